import { createHash } from 'node:crypto';
import type { RestartAttempt, RestartLedger } from '../store/store.js';
import type { RemediationPolicy } from './remediation-policy.js';

/**
 * Pure transitions of the per-task restart ledger. The orchestration reads a ledger, applies one of
 * these, and writes it back with compare-and-set under the task's lease.
 */

export function createLedger(taskId: string, region: string): RestartLedger {
  return { taskId, region, restarts: [], consecutive: 0, needsPerson: false, lineage: [] };
}

/** Restarts performed within the budget window ending at `now`. */
export function restartsInWindow(ledger: RestartLedger, now: number, policy: RemediationPolicy): number {
  return ledger.restarts.filter((at) => at > now - policy.budgetWindowMs).length;
}

/**
 * The consecutive-restart count that drives the backoff exponent: 0 again once the task has been
 * healthy for the reset period (Kubernetes resets CrashLoopBackOff after 10 min running).
 */
function effectiveConsecutive(ledger: RestartLedger, now: number, policy: RemediationPolicy): number {
  if (ledger.healthySince !== undefined && now - ledger.healthySince >= policy.resetAfterMs) return 0;
  return ledger.consecutive;
}

/**
 * Delay before restart number `consecutive + 1`: base × 2^(consecutive−1) capped at the maximum,
 * spread by ±jitter/2. The jitter is derived from `seed` (task id + restart time) instead of
 * Math.random, so the ledger, the status command and tests all compute the same time.
 */
export function backoffDelayMs(consecutive: number, policy: RemediationPolicy, seed: string): number {
  if (consecutive <= 0) return 0;
  const raw = Math.min(policy.backoffBaseMs * 2 ** Math.min(consecutive - 1, 30), policy.backoffMaxMs);
  const unit = createHash('sha256').update(seed).digest().readUInt32BE(0) / 0xffff_ffff;
  return Math.round(raw * (1 - policy.backoffJitter / 2 + policy.backoffJitter * unit));
}

/** Earliest time the next automatic restart may happen; undefined when no backoff applies. */
export function backoffUntil(
  ledger: RestartLedger,
  now: number,
  policy: RemediationPolicy,
): number | undefined {
  const consecutive = effectiveConsecutive(ledger, now, policy);
  const last = ledger.restarts.at(-1);
  if (consecutive === 0 || last === undefined) return undefined;
  return last + backoffDelayMs(consecutive, policy, `${ledger.taskId}:${last}`);
}

/**
 * The task was verified failing (offline or recovering, not by the user). Returns the new ledger and
 * whether this starts a new unhealthy episode (what the circuit breaker counts).
 */
export function applyFailureSeen(
  ledger: RestartLedger,
  now: number,
  policy: RemediationPolicy,
): { ledger: RestartLedger; newEpisode: boolean } {
  const consecutive = effectiveConsecutive(ledger, now, policy);
  const { healthySince: _healthy, ...rest } = ledger;
  return {
    ledger: { ...rest, consecutive, unhealthySince: ledger.unhealthySince ?? now },
    newEpisode: ledger.unhealthySince === undefined,
  };
}

/**
 * The write-ahead intent, recorded BEFORE the first mutating call (docs/alert.md, "Ledger states"):
 * the Stop/Running callbacks those calls cause are recognised as ours (`pendingRestartAt`), and an
 * invocation that dies before recording the outcome leaves the attempt behind for the next one, with
 * a re-check at `recheckAt` (when its lease has run out) so the tick finds it.
 */
export function applyRestartIntent(
  ledger: RestartLedger,
  intent: Pick<RestartAttempt, 'at' | 'number' | 'resume'>,
  recheckAt: number,
): RestartLedger {
  const attempt: RestartAttempt = {
    at: intent.at,
    number: intent.number,
    ...(intent.resume ? { resume: intent.resume } : {}),
    state: 'intent',
  };
  const { restartAnsweredAt: _answered, ...rest } = ledger;
  return { ...rest, pendingRestartAt: intent.at, attempt, nextAttemptAt: recheckAt };
}

/** Our attempt's Restart answered OK at `at`: a stop the task shows after that is not ours. */
export function applyRestartAnswered(ledger: RestartLedger, at: number): RestartLedger {
  return ledger.pendingRestartAt === undefined ? ledger : { ...ledger, restartAnsweredAt: at };
}

/** A call of the attempt at `at` was answered ambiguously: it may have been carried out. */
export function applyOutcomeUnknown(
  ledger: RestartLedger,
  at: number,
  action: NonNullable<RestartAttempt['action']>,
): RestartLedger {
  if (ledger.attempt?.at !== at) return ledger;
  return { ...ledger, attempt: { ...ledger.attempt, state: 'unknown', action } };
}

/**
 * Whether an unsettled attempt may have restarted the task: its holder died after writing the intent
 * (any call may have gone out), or the Restart itself was answered ambiguously. A lost Stop or Update
 * answer restarted nothing.
 */
export function mayHaveRestarted(attempt: RestartAttempt): boolean {
  return attempt.state === 'intent' || attempt.action === 'RestartLivePullToPush';
}

/**
 * Clears an attempt found in the ledger; one that may have restarted the task counts against the
 * budget and the backoff at its own time (the conservative reading: an under-counted budget restarts
 * a broken task too often). `pendingRestartAt` stays, so the events our calls caused remain ours.
 */
export function applyAttemptSettled(
  ledger: RestartLedger,
  policy: RemediationPolicy,
): { ledger: RestartLedger; counted: RestartAttempt | undefined } {
  const attempt = ledger.attempt;
  if (attempt === undefined) return { ledger, counted: undefined };
  if (!mayHaveRestarted(attempt)) {
    const { attempt: _a, ...rest } = ledger;
    return {
      ledger: { ...rest, pendingRestartAt: ledger.pendingRestartAt ?? attempt.at },
      counted: undefined,
    };
  }
  return { ledger: applyRestartDone(ledger, attempt.at, policy, { ok: true }), counted: attempt };
}

/**
 * A restart was issued at `at` (successfully or not, it counts against the budget and drives the
 * backoff) and its attempt is settled. `ok`: livewatch's calls changed the task (keep
 * `pendingRestartAt`, so the events they cause are ours).
 */
export function applyRestartDone(
  ledger: RestartLedger,
  at: number,
  policy: RemediationPolicy,
  outcome: { ok: boolean },
): RestartLedger {
  const restarts = [...ledger.restarts.filter((t) => t > at - policy.budgetWindowMs), at];
  const next: RestartLedger = {
    ...ledger,
    restarts,
    consecutive: effectiveConsecutive(ledger, at, policy) + 1,
  };
  const until = backoffUntil(next, at, policy);
  const {
    pendingRestartAt: _pending,
    restartAnsweredAt: _answered,
    nextAttemptAt: _next,
    attempt: _attempt,
    ...base
  } = next;
  return {
    ...base,
    ...(until === undefined ? {} : { nextAttemptAt: until }),
    ...(outcome.ok ? { pendingRestartAt: at } : {}),
  };
}

/**
 * The outcome of OUR attempt at `at` is known: count it, unless another invocation settled it already
 * (our lease ran out while the calls were under way and it found the attempt) — counted once either way.
 */
export function applyOwnAttemptDone(
  ledger: RestartLedger,
  at: number,
  policy: RemediationPolicy,
  outcome: { ok: boolean },
): RestartLedger {
  if (ledger.attempt?.at !== at) return ledger;
  return applyRestartDone(ledger, at, policy, outcome);
}

/** The restart budget is spent: stop acting and escalate once. */
export function applyGiveUp(ledger: RestartLedger, now: number): RestartLedger {
  const {
    nextAttemptAt: _next,
    pendingRestartAt: _pending,
    restartAnsweredAt: _answered,
    attempt: _attempt,
    ...rest
  } = ledger;
  return { ...rest, needsPerson: true, escalatedAt: now };
}

/** Schedules the tick to look at the task again at `at` (backoff end, recovering grace end, retry). */
export function applyRecheck(ledger: RestartLedger, at: number): RestartLedger {
  return { ...ledger, nextAttemptAt: at };
}

/**
 * The task was verified running. Clears the episode, a deliberate stop and any scheduled re-check; a task that needed a
 * person resumes with a fresh budget (someone fixed it, or it recovered on its own). The backoff
 * survives in `restarts`/`consecutive` until the task has been healthy for the reset period.
 */
export function applyHealthy(ledger: RestartLedger, now: number): RestartLedger {
  const {
    unhealthySince: _u,
    pendingRestartAt: _p,
    restartAnsweredAt: _r,
    escalatedAt: _e,
    nextAttemptAt: _n,
    deliberateStop: _d,
    ...rest
  } = ledger;
  const resumed = ledger.needsPerson;
  return {
    ...rest,
    needsPerson: false,
    healthySince: ledger.healthySince ?? now,
    ...(resumed ? { restarts: [], consecutive: 0 } : {}),
  };
}

/** No re-check scheduled (the task is left alone until a new event arrives). */
export function clearRecheck(ledger: RestartLedger): RestartLedger {
  const { nextAttemptAt: _n, ...rest } = ledger;
  return rest;
}

/**
 * Whether the tick should look at this task now: a re-check is scheduled (backoff end, recovering
 * grace end, breaker cool-down, a failed attempt) and it has come.
 */
export function isDue(ledger: RestartLedger, now: number): boolean {
  return !ledger.needsPerson && ledger.nextAttemptAt !== undefined && ledger.nextAttemptAt <= now;
}

/** Verification attempts per task before livewatch records the failure, reports it once and stops. */
export const VERIFY_ATTEMPTS = 5;

/**
 * One more failed verification. Returns the ledger and what to do: `retry` at `at` (the tick
 * interval doubling per failure), `report` now (the bound is reached, or `permanent`: the API
 * refused the request for good), or `quiet` (reported already: never a loop).
 */
export function applyVerifyFailed(
  ledger: RestartLedger,
  failure: {
    readonly now: number;
    readonly error: string;
    readonly permanent: boolean;
    readonly tickMs: number;
  },
): { ledger: RestartLedger; next: { kind: 'retry'; at: number } | { kind: 'report' } | { kind: 'quiet' } } {
  const previous = ledger.verifyFailures;
  const count = (previous?.count ?? 0) + 1;
  const base = { count, since: previous?.since ?? failure.now, lastError: failure.error };
  if (previous?.reportedAt !== undefined) {
    return {
      ledger: clearRecheck({ ...ledger, verifyFailures: { ...base, reportedAt: previous.reportedAt } }),
      next: { kind: 'quiet' },
    };
  }
  if (failure.permanent || count >= VERIFY_ATTEMPTS) {
    return {
      ledger: clearRecheck({ ...ledger, verifyFailures: { ...base, reportedAt: failure.now } }),
      next: { kind: 'report' },
    };
  }
  const at = failure.now + failure.tickMs * 2 ** (count - 1);
  return { ledger: { ...applyRecheck(ledger, at), verifyFailures: base }, next: { kind: 'retry', at } };
}

/** A verification succeeded: the failure count starts over. */
export function clearVerifyFailures(ledger: RestartLedger): RestartLedger {
  const { verifyFailures: _v, ...rest } = ledger;
  return rest;
}
