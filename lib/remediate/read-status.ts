import type { Config } from '../config/config.js';
import { parseResourceKey } from '../events/resources.js';
import { isUnhealthy } from '../events/states.js';
import type { BreakerState, OutboxStats, RestartLedger, Store } from '../store/store.js';
import { breakerKeysOf } from './circuit-breaker.js';
import { policyFromConfig } from './remediation-policy.js';
import { restartsInWindow } from './restart-ledger.js';
import { describeUnsure, unsureOf } from './unsure-of.js';

export interface AttentionItem {
  readonly key: string;
  readonly taskId: string;
  readonly region: string;
  readonly name?: string;
  readonly state: string;
  readonly reason?: string;
  /** Epoch ms since when it has been in this state. */
  readonly since: number;
  readonly needsPerson: boolean;
  readonly restartsInWindow: number;
  readonly nextAttemptAt?: number;
  /**
   * The breaker (not closed) that holds this task's restarts, e.g. `host:origin-a.example.com`: the
   * next attempt is not "due" while it is open, whatever the ledger says.
   */
  readonly pausedBy?: string;
  /**
   * Why livewatch cannot tell more: a restart whose outcome is unknown, or a verification that kept
   * failing and was reported (docs/alert.md "Ledger states", "Verification budget").
   */
  readonly unsure?: string;
}

export interface StatusReport {
  readonly now: number;
  readonly heartbeat: {
    readonly lastSuccessAt?: number;
    readonly ageS?: number;
    readonly stale: boolean;
    readonly lastError?: string;
  };
  /** Tasks needing a person first, then unhealthy snapshots and tasks with a scheduled re-check. */
  readonly attention: readonly AttentionItem[];
  readonly breakers: ReadonlyArray<BreakerState & { readonly failuresInWindow: number }>;
  readonly outbox: OutboxStats;
}

/**
 * What `livewatch status` shows, read from the store only (no API call): tasks needing attention
 * (needs-person ledgers, unhealthy snapshots), their restart ledgers, breakers that are not closed,
 * the poller heartbeat's age and the outbox.
 */
export async function readStatus(store: Store, config: Config, now: number): Promise<StatusReport> {
  const policy = policyFromConfig(config);
  const heartbeat = await store.getHeartbeat();
  const ageMs = heartbeat === undefined ? undefined : now - heartbeat.lastSuccessAt;
  const ledgers = new Map((await store.ledgers.list()).map((doc) => [doc.key, doc.value]));
  const items = new Map<string, AttentionItem>();
  const breakerStates = (await store.breakers.list()).map(({ value }) => value);
  const holding = new Map(breakerStates.filter((b) => b.state !== 'closed').map((b) => [b.key, b]));

  for (const { key, value } of await store.snapshots.list()) {
    const ledger = ledgers.get(key);
    const resource = value.resource;
    const unhealthy = isUnhealthy(resource.state);
    if (!unhealthy && !needsLook(ledger)) continue;
    const id = resource.kind === 'relay' ? resource.taskId : resource.jobId;
    const reason = resource.kind === 'relay' ? resource.invalidReason : undefined;
    const pausedBy =
      resource.kind === 'relay'
        ? breakerKeysOf(resource).find((breaker) => {
            const held = holding.get(breaker);
            // The half-open probe is the one task the breaker lets through.
            return held !== undefined && held.probeTaskKey !== key;
          })
        : undefined;
    items.set(key, {
      key,
      taskId: id,
      region: resource.region,
      ...(resource.name ? { name: resource.name } : {}),
      state: resource.state,
      ...(reason ? { reason } : {}),
      since: value.stateSince,
      needsPerson: ledger?.needsPerson ?? false,
      restartsInWindow: ledger ? restartsInWindow(ledger, now, policy) : 0,
      ...(ledger?.nextAttemptAt === undefined ? {} : { nextAttemptAt: ledger.nextAttemptAt }),
      ...(pausedBy === undefined ? {} : { pausedBy }),
      ...unsureLine(ledger),
    });
  }
  for (const [key, ledger] of ledgers) {
    if (items.has(key) || !needsLook(ledger)) continue;
    const parsed = parseResourceKey(key);
    items.set(key, {
      key,
      taskId: ledger.taskId,
      region: parsed?.region ?? ledger.region,
      state: 'unknown',
      since: ledger.unhealthySince ?? now,
      needsPerson: ledger.needsPerson,
      restartsInWindow: restartsInWindow(ledger, now, policy),
      ...(ledger.nextAttemptAt === undefined ? {} : { nextAttemptAt: ledger.nextAttemptAt }),
      ...unsureLine(ledger),
    });
  }
  const attention = [...items.values()].sort(
    (a, b) =>
      Number(b.needsPerson) - Number(a.needsPerson) || a.since - b.since || a.key.localeCompare(b.key),
  );
  const breakers = breakerStates
    .map((value) => ({
      ...value,
      failuresInWindow: value.failures.filter((at) => at > now - policy.breakerWindowMs).length,
    }))
    .filter((breaker) => breaker.state !== 'closed' || breaker.failuresInWindow > 0);
  return {
    now,
    heartbeat: {
      ...(heartbeat ? { lastSuccessAt: heartbeat.lastSuccessAt } : {}),
      ...(ageMs === undefined ? {} : { ageS: Math.round(ageMs / 1000) }),
      stale: ageMs === undefined || ageMs > config.LIVEWATCH_HEARTBEAT_MAX_AGE_S * 1000,
      ...(heartbeat?.lastError ? { lastError: heartbeat.lastError } : {}),
    },
    attention,
    breakers,
    outbox: await store.outboxStats(),
  };
}

/** A ledger a person should see even while the snapshot looks healthy. */
function needsLook(ledger: RestartLedger | undefined): boolean {
  if (ledger === undefined) return false;
  return (
    ledger.needsPerson ||
    ledger.nextAttemptAt !== undefined ||
    ledger.attempt !== undefined ||
    ledger.verifyFailures?.reportedAt !== undefined
  );
}

function unsureLine(ledger: RestartLedger | undefined): { unsure?: string } {
  const unsure = unsureOf(ledger);
  return unsure === undefined ? {} : { unsure: describeUnsure(unsure) };
}
