import type { RelayTask } from '../events/resources.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { BreakerState } from '../store/store.js';
import {
  type BreakerGate,
  breakerKeysOf,
  closeBreaker,
  emptyBreaker,
  gateOf,
  hostBreakerKey,
  recordFailure,
  regionBreakerKey,
  reopenBreaker,
  sourceHostsOf,
  startProbe,
} from './circuit-breaker.js';
import { describeBreakerScope } from './describe-breaker-scope.js';
import { breakerNotice } from './relay-notices.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { RemediationPolicy } from './remediation-policy.js';

/** A probe must stay running this long after its restart before the breaker closes ("it holds"). */
export const PROBE_HOLD_MS = 30_000;

type Deps = Pick<RemediationDeps, 'store' | 'notifier' | 'log'>;

/**
 * Counts a task that starts failing toward its source-host breakers, and toward its region's
 * breaker only when no host breaker explains it (so one dead origin does not also pause every other
 * task of the region). Sends the ONE mass-failure alert when a breaker trips.
 */
export async function countFailure(
  deps: Deps,
  policy: RemediationPolicy,
  task: RelayTask,
  now: number,
): Promise<void> {
  let explainedByHost = false;
  for (const key of sourceHostsOf(task).map(hostBreakerKey)) {
    const after = await recordAndAlert(deps, policy, key, now);
    if (after.state !== 'closed') explainedByHost = true;
  }
  if (!explainedByHost) await recordAndAlert(deps, policy, regionBreakerKey(task.region), now);
}

async function recordAndAlert(
  deps: Deps,
  policy: RemediationPolicy,
  key: string,
  now: number,
): Promise<BreakerState> {
  let tripped = false;
  const { after } = await updateDocument(deps.store.breakers, key, (current) => {
    const result = recordFailure(current ?? emptyBreaker(key), now, policy);
    tripped = result.tripped;
    return result.next;
  });
  const state = after ?? emptyBreaker(key);
  if (tripped) {
    const detail = `${state.failures.length} tasks of ${key} started failing within ${Math.round(policy.breakerWindowMs / 1000)} s; automatic restarts for this group pause for ${Math.round(policy.breakerCooldownMs / 1000)} s, then one task is restarted as a probe`;
    deps.log.warn('circuit breaker tripped', { breaker: key, failures: state.failures.length });
    await deps.store.appendHistory(`breaker:${key}`, {
      at: now,
      type: 'breaker',
      message: `opened: ${detail}`,
    });
    await deps.notifier.notify(breakerNotice(key, 'firing', now, detail));
  }
  return state;
}

/**
 * Whether the task's breakers let an automatic restart go ahead. When a cool-down has passed, this
 * task becomes the half-open probe (compare-and-set: one task per breaker wins).
 */
export async function gateRestart(
  deps: Deps,
  policy: RemediationPolicy,
  task: RelayTask,
  taskKey: string,
  now: number,
): Promise<BreakerGate | { readonly kind: 'probe'; readonly keys: readonly string[] }> {
  const probeable: string[] = [];
  for (const key of breakerKeysOf(task)) {
    const breaker = (await deps.store.breakers.get(key))?.value;
    const gate = gateOf(breaker, now, policy, taskKey);
    if (gate.kind === 'paused') return gate;
    if (gate.kind === 'probe-available') probeable.push(key);
  }
  for (const key of probeable) {
    let won = false;
    await updateDocument(deps.store.breakers, key, (current) => {
      won = false;
      if (current === undefined || gateOf(current, now, policy, taskKey).kind !== 'probe-available')
        return undefined;
      won = true;
      return startProbe(current, taskKey, now);
    });
    if (!won) {
      const current = (await deps.store.breakers.get(key))?.value;
      const gate = gateOf(current, now, policy, taskKey);
      if (gate.kind === 'paused') return gate;
    }
  }
  return probeable.length > 0 ? { kind: 'probe', keys: probeable } : { kind: 'closed' };
}

/**
 * Settles half-open breakers whose probe is this task: running long enough → close (and resolve the
 * alert); failing again → re-open for another cool-down. Returns the keys that changed.
 */
export async function settleProbe(
  deps: Deps,
  task: RelayTask,
  taskKey: string,
  now: number,
): Promise<string[]> {
  const changed: string[] = [];
  for (const key of breakerKeysOf(task)) {
    let verdict: 'closed' | 'reopened' | undefined;
    let since = now;
    await updateDocument(deps.store.breakers, key, (current) => {
      verdict = undefined;
      since = current?.failures[0] ?? current?.openedAt ?? now;
      if (current?.state !== 'half-open' || current.probeTaskKey !== taskKey) return undefined;
      if (task.state === 'running' && now - (current.probeAt ?? now) >= PROBE_HOLD_MS) {
        verdict = 'closed';
        return closeBreaker(current);
      }
      if (task.state === 'offline' || task.state === 'recovering' || task.state === 'exited') {
        verdict = 'reopened';
        return reopenBreaker(current, now);
      }
      return undefined;
    });
    if (verdict === undefined) continue;
    changed.push(key);
    const message =
      verdict === 'closed'
        ? `closed: probe ${task.taskId} held`
        : `re-opened: probe ${task.taskId} is ${task.state}`;
    deps.log.info('circuit breaker probe settled', { breaker: key, verdict, probe: task.taskId });
    await deps.store.appendHistory(`breaker:${key}`, { at: now, type: 'breaker', message });
    if (verdict === 'closed') {
      const scope = await describeBreakerScope(deps.store, key, since);
      await deps.notifier.notify(
        resolvedBreakerNotice(key, now, `the probe restart of ${task.taskId} held`, scope),
      );
    }
  }
  return changed;
}

/**
 * Closes open breakers (past their cool-down, no probe running) whose group has no failing task left —
 * e.g. the origin came back and the platform's own retries brought every task back — so a breaker and
 * its alert never stay open with nothing to probe. Tasks waiting for a person do not hold a breaker open.
 */
export async function closeIdleBreakers(
  deps: Deps,
  policy: RemediationPolicy,
  now: number,
): Promise<string[]> {
  const cooled = (await deps.store.breakers.list()).filter(
    ({ value }) => value.state === 'open' && now >= (value.openedAt ?? now) + policy.breakerCooldownMs,
  );
  if (cooled.length === 0) return [];
  const stillFailing = new Set<string>();
  for (const { key, value } of await deps.store.ledgers.list('relay:')) {
    if (value.unhealthySince === undefined || value.needsPerson) continue;
    const snapshot = (await deps.store.snapshots.get(key))?.value.resource;
    if (snapshot?.kind === 'relay')
      for (const breakerKey of breakerKeysOf(snapshot)) stillFailing.add(breakerKey);
  }
  const closed: string[] = [];
  for (const { key } of cooled) {
    if (stillFailing.has(key)) continue;
    let didClose = false;
    let since = now;
    await updateDocument(deps.store.breakers, key, (current) => {
      didClose = current?.state === 'open';
      since = current?.failures[0] ?? current?.openedAt ?? now;
      return didClose && current ? closeBreaker(current) : undefined;
    });
    if (!didClose) continue;
    closed.push(key);
    const message = 'closed: no task of the group is failing any more';
    await deps.store.appendHistory(`breaker:${key}`, { at: now, type: 'breaker', message });
    const scope = await describeBreakerScope(deps.store, key, since);
    await deps.notifier.notify(
      resolvedBreakerNotice(key, now, 'no task of the group is failing any more', scope),
    );
  }
  return closed;
}

/** The breaker's ONE resolved message: why it closed, what recovered and what still needs a person. */
function resolvedBreakerNotice(
  key: string,
  now: number,
  why: string,
  scope: { readonly en: string; readonly zh: string },
) {
  const notice = breakerNotice(key, 'resolved', now, `${why}; ${scope.en}`);
  return { ...notice, zh: { title: notice.zh?.title ?? notice.title, text: scope.zh } };
}
