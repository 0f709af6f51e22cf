import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { Notifier } from '../notify/notice.js';
import { breakerKeysOf, closeBreaker } from '../remediate/circuit-breaker.js';
import { breakerNotice } from '../remediate/relay-notices.js';
import { applyRecheck } from '../remediate/restart-ledger.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { BreakerState, Store } from '../store/store.js';
import type { OperatorRequest } from './operator-request.js';

export interface OperatorDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly notifier: Pick<Notifier, 'notify'>;
}

export interface BreakerResetResult {
  readonly breaker: string;
  readonly previous: BreakerState['state'];
  /** Failing tasks of the breaker's group, re-checked at the next alert tick. */
  readonly tasks: readonly string[];
}

const SCOPE = /^(host:[a-z0-9.-]{1,253}|region:[a-z0-9-]{1,32})$/;

/**
 * `livewatch breaker reset <scope>`: closes a mass-failure breaker now (a person knows the origin is
 * back, or wants restarts to resume), instead of waiting for its probe. Recorded with who and why
 * in the breaker's history and in the history of each failing task of its group, whose re-check is
 * brought forward to the next tick; the breaker's chat alert is resolved.
 * @example await resetBreaker(deps, 'host:vod-cdn.example.org', { actor: 'alice', reason: 'origin fixed' });
 */
export async function resetBreaker(
  deps: OperatorDeps,
  scope: string,
  request: OperatorRequest,
): Promise<BreakerResetResult> {
  const key = scope.trim().toLowerCase();
  if (!SCOPE.test(key)) {
    throw new ValidationError('breaker reset', [
      {
        path: 'scope',
        message: `must be host:<source host> or region:<region id>, got ${JSON.stringify(scope)}`,
      },
    ]);
  }
  const { store, clock } = deps;
  const now = clock.now();
  const { before } = await updateDocument(store.breakers, key, (current) =>
    current === undefined ? undefined : closeBreaker(current),
  );
  if (before === undefined) {
    const known = (await store.breakers.list()).map((doc) => doc.key).sort();
    throw new ValidationError('breaker reset', [
      { path: 'scope', message: `no breaker ${key}; known: ${known.length > 0 ? known.join(', ') : 'none'}` },
    ]);
  }
  const message = `reset by ${request.actor} (was ${before.state}): ${request.reason}`;
  const data = { action: 'breaker-reset', actor: request.actor, reason: request.reason, breaker: key };
  await store.appendHistory(`breaker:${key}`, { at: now, type: 'operator', message, data });
  const tasks = await failingTasksOf(store, key);
  for (const taskKey of tasks) {
    await updateDocument(store.ledgers, taskKey, (ledger) =>
      ledger === undefined || ledger.needsPerson ? undefined : applyRecheck(ledger, now),
    );
    await store.appendHistory(taskKey, {
      at: now,
      type: 'operator',
      message: `breaker ${key} ${message}; re-checked at the next tick`,
      data,
    });
  }
  if (before.state !== 'closed') {
    await deps.notifier.notify(breakerNotice(key, 'resolved', now, `${key} ${message}`));
  }
  return { breaker: key, previous: before.state, tasks };
}

/** Relay tasks in an unhealthy episode that count toward this breaker (ledgers are the short list). */
async function failingTasksOf(store: Store, breakerKey: string): Promise<string[]> {
  const keys: string[] = [];
  for (const { key, value } of await store.ledgers.list('relay:')) {
    if (value.unhealthySince === undefined) continue;
    const resource = (await store.snapshots.get(key))?.value.resource;
    if (resource?.kind === 'relay' && breakerKeysOf(resource).includes(breakerKey)) keys.push(key);
  }
  return keys;
}
