import type { RelayTask } from '../events/resources.js';
import type { BreakerState } from '../store/store.js';
import { hostOf } from '../url-host.js';
import type { RemediationPolicy } from './remediation-policy.js';

/**
 * Pure transitions of the mass-failure circuit breakers (one per source host and one per region,
 * stored in Store.breakers). Closed: restarts flow. Open: automatic restarts of the group pause for
 * the cool-down. Half-open: one task (the probe) is restarted; the breaker closes when the probe is
 * seen running and re-opens when it fails again.
 */

export type BreakerGate =
  | { readonly kind: 'closed' }
  | {
      readonly kind: 'paused';
      readonly key: string;
      readonly until: number | undefined;
      readonly detail: string;
    }
  | { readonly kind: 'probe-available'; readonly key: string };

export function hostBreakerKey(host: string): string {
  return `host:${host}`;
}

export function regionBreakerKey(region: string): string {
  return `region:${region}`;
}

/** Every breaker a task counts toward: one per source host, and its region's. */
export function breakerKeysOf(task: Pick<RelayTask, 'sourceUrls' | 'region'>): string[] {
  return [...sourceHostsOf(task).map(hostBreakerKey), regionBreakerKey(task.region)];
}

/** Distinct source hosts of a task (lower-cased), e.g. `origin.example.com`. Never the full URL. */
export function sourceHostsOf(task: Pick<RelayTask, 'sourceUrls'>): string[] {
  const hosts = new Set<string>();
  for (const url of task.sourceUrls) {
    const host = hostOf(url);
    if (host) hosts.add(host);
  }
  return [...hosts].sort();
}

export function emptyBreaker(key: string): BreakerState {
  return { key, state: 'closed', failures: [] };
}

/**
 * Counts one task starting to fail. Returns the new state and whether this failure tripped the
 * breaker (closed → open): the caller sends the ONE mass-failure alert only then.
 */
export function recordFailure(
  breaker: BreakerState,
  now: number,
  policy: RemediationPolicy,
): { next: BreakerState; tripped: boolean } {
  const failures = [...breaker.failures.filter((at) => at > now - policy.breakerWindowMs), now];
  if (breaker.state === 'closed' && failures.length >= policy.breakerThreshold) {
    return { next: { key: breaker.key, state: 'open', failures, openedAt: now }, tripped: true };
  }
  return { next: { ...breaker, failures }, tripped: false };
}

/** What a breaker allows for a task of its group right now. */
export function gateOf(
  breaker: BreakerState | undefined,
  now: number,
  policy: RemediationPolicy,
  taskKey: string,
): BreakerGate {
  if (breaker === undefined || breaker.state === 'closed') return { kind: 'closed' };
  if (breaker.state === 'open') {
    const until = (breaker.openedAt ?? now) + policy.breakerCooldownMs;
    if (now < until) {
      return {
        kind: 'paused',
        key: breaker.key,
        until,
        detail: `mass failure on ${breaker.key}: automatic restarts paused until the cool-down ends`,
      };
    }
    return { kind: 'probe-available', key: breaker.key };
  }
  // Half-open: only the probe itself may go ahead (e.g. its own re-check); the rest wait for the verdict.
  if (breaker.probeTaskKey === taskKey) return { kind: 'closed' };
  return {
    kind: 'paused',
    key: breaker.key,
    until: undefined,
    detail: `mass failure on ${breaker.key}: waiting for the probe restart of ${breaker.probeTaskKey ?? 'a task'}`,
  };
}

/** The cool-down has passed: `taskKey` is restarted as the half-open probe. */
export function startProbe(breaker: BreakerState, taskKey: string, now: number): BreakerState {
  return { ...breaker, state: 'half-open', probeTaskKey: taskKey, probeAt: now };
}

/** The probe held (seen running): restarts flow again. */
export function closeBreaker(breaker: BreakerState): BreakerState {
  return { key: breaker.key, state: 'closed', failures: [] };
}

/** The probe failed again: another cool-down. */
export function reopenBreaker(breaker: BreakerState, now: number): BreakerState {
  return { key: breaker.key, state: 'open', failures: breaker.failures, openedAt: now };
}
