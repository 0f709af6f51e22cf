import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { describeError, StoreUnavailableError } from '../errors.js';
import type { RelayTask } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import { updateDocument } from '../store/compare-and-set.js';
import { decide } from './decide.js';
import { countFailure } from './mass-failure-breakers.js';
import { recordVerifiedSnapshot } from './record-verified-snapshot.js';
import { recordVerifyFailure } from './record-verify-failure.js';
import { remediateTask } from './remediate-task.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { RemediationPolicy } from './remediation-policy.js';
import { applyRecheck, createLedger } from './restart-ledger.js';
import type { TaskCase, TaskOutcome } from './task-case.js';
import { type Verified, verifyRelayTasks } from './verify-relay-tasks.js';

export interface EventFailure {
  readonly key: string;
  readonly taskId: string;
  readonly error: string;
}

export interface RemediationOptions {
  /**
   * Time this invocation may spend (below the function timeout). Tasks not reached in time are not
   * dropped: their ledger schedules an immediate re-check, so the next tick continues with them.
   */
  readonly budgetMs?: number;
}

/** Tasks remediated at once; restarts still pass the client's per-action rate limiter. */
const TASK_CONCURRENCY = 16;

export interface Candidate {
  readonly key: string;
  readonly ref: { readonly region: string; readonly taskId: string };
  readonly hint?: TaskEvent;
}

/**
 * Shared by events and the tick: verify, record snapshots, count new failure episodes toward the
 * breakers (all of them BEFORE any restart, so a burst trips the breaker before it restarts a
 * dead source's tasks), then remediate each task.
 */
export async function remediateVerified(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  candidates: readonly Candidate[],
  deadline?: number,
): Promise<{ outcomes: TaskOutcome[]; failures: EventFailure[] }> {
  const failures: EventFailure[] = [];
  if (candidates.length === 0) return { outcomes: [], failures };
  const cases = await verifyCases(deps, candidates, failures);
  await countNewFailures(deps, policy, cases);
  const holder = `alert-${randomUUID()}`;
  const limit = pLimit(TASK_CONCURRENCY);
  const settled = await Promise.allSettled(
    cases.map((c) => limit(() => remediateInTime(deps, policy, c, holder, deadline))),
  );
  const outcomes = await collectOutcomes(deps, cases, settled, failures);
  return { outcomes, failures };
}

/** Describes the candidates and records what was seen; a candidate that cannot be verified becomes a failure. */
async function verifyCases(
  deps: RemediationDeps,
  candidates: readonly Candidate[],
  failures: EventFailure[],
): Promise<TaskCase[]> {
  const verified = await verifyRelayTasks(
    deps,
    candidates.map((c) => c.ref),
  );
  const cases: TaskCase[] = [];
  for (const candidate of candidates) {
    const result: Verified = verified.get(candidate.key) ?? {
      kind: 'error',
      error: new Error('not verified'),
    };
    if (result.kind === 'error') {
      const error = await recordVerifyFailure(
        deps,
        { ...candidate, name: candidate.hint?.resource.name },
        result.error,
      );
      failures.push({ key: candidate.key, taskId: candidate.ref.taskId, error });
      continue;
    }
    cases.push(await caseOf(deps, candidate, result));
  }
  return cases;
}

async function caseOf(
  deps: RemediationDeps,
  candidate: Candidate,
  result: Exclude<Verified, { kind: 'error' }>,
): Promise<TaskCase> {
  const verifiedAt = deps.clock.now();
  const hint = candidate.hint;
  const hintFields = hint
    ? { hint: { state: hint.state, reason: hint.reason, observedAt: hint.observedAt, source: hint.source } }
    : {};
  const base = { key: candidate.key, ref: candidate.ref, verifiedAt, ...hintFields };
  if (result.kind === 'gone') return { ...base, verified: 'gone', stateSince: verifiedAt };
  const task = result.task;
  const since = hint && hint.state === task.state ? hint.observedAt : undefined;
  const { previous, stateSince } = await recordVerifiedSnapshot(deps.store, task, verifiedAt, since);
  const lastKnown = previous?.resource.kind === 'relay' ? previous.resource : relaySnapshotOf(hint);
  return { ...base, verified: task, stateSince, lastKnown };
}

/** Phase 1: count tasks that start failing, so breakers trip before phase 2 restarts anything. */
async function countNewFailures(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  cases: readonly TaskCase[],
) {
  for (const c of cases) {
    if (c.verified === 'gone') continue;
    const ledger = (await deps.store.ledgers.get(c.key))?.value;
    if (ledger?.unhealthySince !== undefined) continue;
    const preview = decide({
      task: c.verified,
      ledger,
      stateSince: c.stateSince,
      eventReason: c.hint?.reason,
      eventObservedAt: c.hint?.observedAt,
      policy,
      now: deps.clock.now(),
    });
    const failing =
      preview.kind === 'restart' ||
      preview.kind === 'wait' ||
      preview.kind === 'give-up' ||
      (preview.kind === 'skip' && (preview.reason === 'opted-out' || preview.reason === 'auto-restart-off'));
    if (failing) await countFailure(deps, policy, c.verified, deps.clock.now());
  }
}

/** Phase 2, one task: remediated, or deferred to the next tick when the invocation is out of time. */
async function remediateInTime(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  holder: string,
  deadline: number | undefined,
): Promise<TaskOutcome> {
  if (deadline === undefined || deps.clock.now() < deadline) return remediateTask(deps, policy, c, holder);
  // Counted toward the breakers already (phase 1): mark the episode so the tick does not count it again.
  const failing =
    c.verified !== 'gone' && (c.verified.state === 'offline' || c.verified.state === 'recovering');
  await scheduleRetry(deps, c, 0, failing);
  return {
    key: c.key,
    taskId: c.ref.taskId,
    region: c.ref.region,
    action: 'deferred',
    reason: 'out of time in this invocation; the next tick continues',
  };
}

/**
 * Outcomes in candidate order. A task that threw is retried by the next tick; a store outage is
 * rethrown once every task has settled, so the invocation fails and is retried as a whole.
 */
async function collectOutcomes(
  deps: RemediationDeps,
  cases: readonly TaskCase[],
  settled: readonly PromiseSettledResult<TaskOutcome>[],
  failures: EventFailure[],
): Promise<TaskOutcome[]> {
  const outcomes: TaskOutcome[] = [];
  let storeError: unknown;
  for (const [index, result] of settled.entries()) {
    const c = cases[index];
    if (c === undefined) continue;
    if (result.status === 'fulfilled') {
      outcomes.push(result.value);
      if (result.value.action === 'failed') {
        failures.push({ key: c.key, taskId: c.ref.taskId, error: result.value.error ?? result.value.reason });
      }
      continue;
    }
    if (result.reason instanceof StoreUnavailableError) {
      storeError ??= result.reason;
      continue;
    }
    deps.log.error('remediation failed', { key: c.key, error: result.reason });
    failures.push({ key: c.key, taskId: c.ref.taskId, error: describeError(result.reason) });
    await scheduleRetry(deps, c, deps.config.LIVEWATCH_TICK_INTERVAL_S * 1000);
  }
  if (storeError !== undefined) throw storeError;
  return outcomes;
}

/** A task that could not be verified or handled is looked at again by the next tick: nothing is lost. */
async function scheduleRetry(
  deps: RemediationDeps,
  candidate: Pick<Candidate, 'key' | 'ref'>,
  delayMs: number,
  failing = false,
): Promise<void> {
  const now = deps.clock.now();
  await updateDocument(deps.store.ledgers, candidate.key, (current) => {
    const ledger = current ?? createLedger(candidate.ref.taskId, candidate.ref.region);
    if (ledger.needsPerson) return undefined;
    const marked = failing ? { ...ledger, unhealthySince: ledger.unhealthySince ?? now } : ledger;
    return applyRecheck(marked, now + delayMs);
  });
}

function relaySnapshotOf(
  event: TaskEvent | undefined,
): Pick<RelayTask, 'currentFileIndex' | 'currentOffset'> | undefined {
  const snapshot = event?.snapshot;
  if (snapshot?.kind !== 'relay') return undefined;
  return snapshot;
}
