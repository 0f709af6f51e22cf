import type { ActionStats, RecordedRequest } from './emulator-types.js';
import { MUTATING_ACTIONS } from './live-actions.js';

/** Enough for the largest benchmark; older entries are dropped first. */
const MAX_REQUEST_LOG = 200_000;

export interface Mutation {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  readonly at: number;
  /** False when a fault in the `after` phase lost the answer (the action applied all the same). */
  readonly answered: boolean;
}

/**
 * What the emulator saw: every request (bounded), the successful mutating calls, and per-action
 * counters (calls, ok, errors, throttled, faulted) for `stats()` and the tests' assertions.
 */
export class RequestLedger {
  readonly requests: RecordedRequest[] = [];
  readonly mutations: Mutation[] = [];
  readonly #byAction = new Map<string, ActionStats>();

  /** The live counters of one action (created on first use). */
  statsFor(action: string): ActionStats {
    let stats = this.#byAction.get(action);
    if (stats === undefined) {
      stats = emptyStats();
      this.#byAction.set(action, stats);
    }
    return stats;
  }

  /**
   * Logs one answered (or deliberately unanswered: status 0) request. `applied`: the action ran
   * (default: answered 200); true with another status when the `after` fault phase lost its answer.
   */
  record(request: RecordedRequest, applied = request.status === 200): void {
    const { requests } = this;
    if (requests.length >= MAX_REQUEST_LOG) requests.splice(0, requests.length - MAX_REQUEST_LOG + 1);
    requests.push(request);
    if (applied && MUTATING_ACTIONS.has(request.action)) {
      this.mutations.push({
        action: request.action,
        params: request.params,
        at: request.at,
        answered: request.status === 200,
      });
    }
  }

  /** A copy of the counters per action and their totals. */
  actionStats(): { actions: Record<string, ActionStats>; totals: ActionStats } {
    const totals = emptyStats();
    const actions: Record<string, ActionStats> = {};
    for (const [action, stats] of this.#byAction) {
      actions[action] = { ...stats };
      totals.calls += stats.calls;
      totals.ok += stats.ok;
      totals.errors += stats.errors;
      totals.throttled += stats.throttled;
      totals.faulted += stats.faulted;
    }
    return { actions, totals };
  }
}

function emptyStats(): ActionStats {
  return { calls: 0, ok: 0, errors: 0, throttled: 0, faulted: 0 };
}
