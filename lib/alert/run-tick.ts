import { describeError } from '../errors.js';
import type { RelayTask } from '../events/resources.js';
import { parseResourceKey } from '../events/resources.js';
import type { FlushReport } from '../notify/notice.js';
import { breakerKeysOf, gateOf } from '../remediate/circuit-breaker.js';
import { closeIdleBreakers, PROBE_HOLD_MS, settleProbe } from '../remediate/mass-failure-breakers.js';
import { recordVerifiedSnapshot } from '../remediate/record-verified-snapshot.js';
import {
  type Candidate,
  type EventFailure,
  type RemediationOptions,
  remediateVerified,
} from '../remediate/remediate-verified.js';
import type { RemediationDeps } from '../remediate/remediation-deps.js';
import { policyFromConfig, type RemediationPolicy } from '../remediate/remediation-policy.js';
import { isDue } from '../remediate/restart-ledger.js';
import type { TaskOutcome } from '../remediate/task-case.js';
import { verifyRelayTasks } from '../remediate/verify-relay-tasks.js';
import { updateDocument } from '../store/compare-and-set.js';
import { checkHeartbeat, type HeartbeatStatus } from './check-heartbeat.js';
import { redeliverInbox } from './redeliver-inbox.js';

export interface TickReport {
  readonly heartbeat: HeartbeatStatus;
  /** Half-open breakers whose probe was settled (closed or re-opened). */
  readonly probesSettled: readonly string[];
  /** Open breakers closed because no task of their group is failing any more. */
  readonly breakersClosedIdle: readonly string[];
  /** Events re-delivered from the event inbox (handed on, never marked handled). */
  readonly redelivered: number;
  /** Tasks whose re-check was due. */
  readonly due: number;
  /** Due tasks left for later because their breaker is open (no API call spent on them). */
  readonly deferred: number;
  readonly outcomes: readonly TaskOutcome[];
  readonly failures: readonly EventFailure[];
  readonly flush: FlushReport;
}

/**
 * The alert function's timer tick: checks the poller heartbeat, settles half-open breaker probes,
 * performs due re-checks and restarts (backoff ends, recovering grace ends, breaker cool-downs,
 * retries after failures), then flushes notification groups and the outbox.
 *
 * @example const report = await runTick({ config, store, client, notifier, clock, log });
 */
export async function runTick(deps: RemediationDeps, options: RemediationOptions = {}): Promise<TickReport> {
  const policy = policyFromConfig(deps.config);
  const deadline = options.budgetMs === undefined ? undefined : deps.clock.now() + options.budgetMs;
  const heartbeat = await checkHeartbeat(deps);
  const probesSettled = await settleProbes(deps, policy);
  const breakersClosedIdle = await closeIdleBreakers(deps, policy, deps.clock.now());
  const inbox = await redeliverInbox(deps, options);

  const now = deps.clock.now();
  const candidates: Candidate[] = [];
  let deferred = 0;
  let due = 0;
  for (const doc of await deps.store.ledgers.list('relay:')) {
    if (!isDue(doc.value, now)) continue;
    due += 1;
    const parsed = parseResourceKey(doc.key);
    if (parsed === undefined) continue;
    const snapshot = (await deps.store.snapshots.get(doc.key))?.value.resource;
    if (snapshot?.kind === 'relay' && (await isHeldByBreaker(deps, policy, snapshot, doc.key, now))) {
      deferred += 1;
      continue;
    }
    candidates.push({ key: doc.key, ref: { region: parsed.region, taskId: parsed.id } });
  }
  const remediated = await remediateVerified(deps, policy, candidates, deadline);
  const outcomes = [...(inbox.handled?.outcomes ?? []), ...remediated.outcomes];
  const failures = [...(inbox.handled?.failures ?? []), ...remediated.failures];
  const flush = await deps.notifier.flush();
  deps.log.info('alert tick done', {
    heartbeat: heartbeat.kind,
    redelivered: inbox.redelivered,
    due,
    deferred,
    outcomes: outcomes.length,
    failures: failures.length,
    sent: flush.sent,
  });
  return {
    heartbeat,
    probesSettled,
    breakersClosedIdle,
    redelivered: inbox.redelivered,
    due,
    deferred,
    outcomes,
    failures,
    flush,
  };
}

/** Whether an open breaker (in its cool-down, or waiting for another task's probe) holds this task. */
async function isHeldByBreaker(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  task: RelayTask,
  key: string,
  now: number,
): Promise<boolean> {
  for (const breakerKey of breakerKeysOf(task)) {
    const breaker = (await deps.store.breakers.get(breakerKey))?.value;
    if (gateOf(breaker, now, policy, key).kind === 'paused') return true;
  }
  return false;
}

/** Looks at each half-open breaker's probe once it has had time to hold. */
async function settleProbes(deps: RemediationDeps, policy: RemediationPolicy): Promise<string[]> {
  const settled: string[] = [];
  const now = deps.clock.now();
  for (const { key, value } of await deps.store.breakers.list()) {
    if (value.state !== 'half-open' || value.probeTaskKey === undefined) continue;
    if (now - (value.probeAt ?? now) < PROBE_HOLD_MS) continue;
    const probe = parseResourceKey(value.probeTaskKey);
    if (probe === undefined) continue;
    const ref = { region: probe.region, taskId: probe.id };
    const verified = (await verifyRelayTasks(deps, [ref])).get(value.probeTaskKey);
    if (verified?.kind === 'task') {
      await recordVerifiedSnapshot(deps.store, verified.task, now);
      settled.push(...(await settleProbe(deps, verified.task, value.probeTaskKey, now)));
    } else if (verified?.kind === 'gone') {
      // The probe vanished: let the next failing task of the group probe straight away.
      await updateDocument(deps.store.breakers, key, (current) =>
        current?.state === 'half-open' && current.probeTaskKey === value.probeTaskKey
          ? {
              key,
              state: 'open' as const,
              failures: current.failures,
              openedAt: now - policy.breakerCooldownMs,
            }
          : undefined,
      );
      settled.push(key);
    } else if (verified?.kind === 'error') {
      deps.log.warn('could not verify a breaker probe', {
        breaker: key,
        error: describeError(verified.error),
      });
    }
  }
  return settled;
}
