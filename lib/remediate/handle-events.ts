import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { describeError, StoreUnavailableError } from '../errors.js';
import type { RelayTask } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import { decide } from './decide.js';
import { jobNoticesOf } from './job-notices.js';
import { countFailure } from './mass-failure-breakers.js';
import { recordVerifiedSnapshot } from './record-verified-snapshot.js';
import { remediateTask, type TaskCase, type TaskOutcome } from './remediate-task.js';
import type { RemediationDeps } from './remediation-deps.js';
import { policyFromConfig, type RemediationPolicy } from './remediation-policy.js';
import { applyRecheck, createLedger } from './restart-ledger.js';
import { updateDocument } from './update-document.js';
import { type Verified, verifyRelayTasks } from './verify-relay-tasks.js';

export interface EventFailure {
  readonly key: string;
  readonly taskId: string;
  readonly error: string;
}

export interface HandleReport {
  readonly received: number;
  /** Events already handled by an earlier delivery (FC may re-run an event). */
  readonly duplicates: number;
  /** Record/transcode events turned into notices. */
  readonly jobEvents: number;
  readonly outcomes: readonly TaskOutcome[];
  /** Per-task failures: collected and reported, not thrown for the whole batch. */
  readonly failures: readonly EventFailure[];
}

/** Tasks remediated at once; restarts still pass the client's per-action rate limiter. */
const TASK_CONCURRENCY = 16;

/**
 * Handles a batch of TaskEvents (one async invocation of the alert function): claims each event
 * once, verifies relay tasks through the API, records the verified state, counts mass failures, then
 * applies the restart policy per task under its lease. Store failures propagate (FC retries the
 * batch; claimed events of failed tasks are released so the retry processes them).
 *
 * @example const report = await handleEvents(deps, TaskEventBatchSchema.parse(JSON.parse(body)));
 */
export async function handleEvents(
  deps: RemediationDeps,
  events: readonly TaskEvent[],
  options: RemediationOptions = {},
): Promise<HandleReport> {
  const policy = policyFromConfig(deps.config);
  const now = deps.clock.now();
  const deadline = options.budgetMs === undefined ? undefined : now + options.budgetMs;
  const ttlMs = deps.config.LIVEWATCH_DEDUPE_TTL_S * 1000;
  const fresh: TaskEvent[] = [];
  try {
    // Inside the try: a store failure on the third claim must give back the first two, or FC's
    // retry of this batch would take them for duplicates and lose them.
    for (const event of events) {
      if (await deps.store.claim(claimKey(event), ttlMs, now)) fresh.push(event);
    }
    return await handleClaimed(deps, policy, fresh, events.length, deadline);
  } catch (error) {
    // The whole batch will be retried by FC: let the retry process these events again.
    await Promise.allSettled(fresh.map((event) => deps.store.release(claimKey(event))));
    throw error;
  }
}

export interface RemediationOptions {
  /**
   * Time this invocation may spend (below the function timeout). Tasks not reached in time are not
   * dropped: their ledger schedules an immediate re-check, so the next tick continues with them.
   */
  readonly budgetMs?: number;
}

function claimKey(event: TaskEvent): string {
  return `alert:${event.key}`;
}

async function handleClaimed(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  fresh: readonly TaskEvent[],
  received: number,
  deadline: number | undefined,
): Promise<HandleReport> {
  let jobEvents = 0;
  const relays = new Map<string, TaskEvent[]>();
  for (const event of fresh) {
    if (event.resource.kind !== 'relay') {
      jobEvents += 1;
      await deps.store.appendHistory(resourceKey(event.resource), {
        at: deps.clock.now(),
        type: 'alert',
        message: `${event.resource.kind} job ${event.state}${event.reason ? ` (${event.reason})` : ''}`,
        data: { source: event.source, trigger: event.trigger },
      });
      for (const notice of jobNoticesOf(event)) await deps.notifier.notify(notice);
      continue;
    }
    const key = resourceKey(event.resource);
    relays.set(key, [...(relays.get(key) ?? []), event]);
  }

  const hints = new Map<string, TaskEvent>();
  for (const [key, group] of relays) {
    // The newest observation is the best hint; the API decides anyway.
    const newest = group.reduce((a, b) => (b.observedAt >= a.observedAt ? b : a));
    hints.set(key, newest);
  }
  const { outcomes, failures } = await remediateVerified(
    deps,
    policy,
    [...hints.entries()].map(([key, event]) => ({
      key,
      ref: { region: event.resource.region, taskId: event.resource.id },
      hint: event,
    })),
    deadline,
  );
  for (const failure of failures) {
    for (const event of relays.get(failure.key) ?? []) await deps.store.release(claimKey(event));
  }
  return { received, duplicates: received - fresh.length, jobEvents, outcomes, failures };
}

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
    const verifiedAt = deps.clock.now();
    if (result.kind === 'error') {
      failures.push({ key: candidate.key, taskId: candidate.ref.taskId, error: describeError(result.error) });
      await scheduleRetry(deps, candidate, deps.config.LIVEWATCH_TICK_INTERVAL_S * 1000);
      continue;
    }
    const hint = candidate.hint;
    const hintFields = hint
      ? { hint: { state: hint.state, reason: hint.reason, observedAt: hint.observedAt, source: hint.source } }
      : {};
    if (result.kind === 'gone') {
      cases.push({
        key: candidate.key,
        ref: candidate.ref,
        verified: 'gone',
        verifiedAt,
        stateSince: verifiedAt,
        ...hintFields,
      });
      continue;
    }
    const task = result.task;
    const since = hint && hint.state === task.state ? hint.observedAt : undefined;
    const { previous, stateSince } = await recordVerifiedSnapshot(deps.store, task, verifiedAt, since);
    const lastKnown = previous?.resource.kind === 'relay' ? previous.resource : relaySnapshotOf(hint);
    cases.push({
      key: candidate.key,
      ref: candidate.ref,
      verified: task,
      verifiedAt,
      stateSince,
      lastKnown,
      ...hintFields,
    });
  }

  // Phase 1: count tasks that start failing, so breakers trip before phase 2 restarts anything.
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

  // Phase 2: remediate, a bounded number of tasks at a time.
  const holder = `alert-${randomUUID()}`;
  const limit = pLimit(TASK_CONCURRENCY);
  const settled = await Promise.allSettled(
    cases.map((c) =>
      limit(async (): Promise<TaskOutcome> => {
        if (deadline !== undefined && deps.clock.now() >= deadline) {
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
        return remediateTask(deps, policy, c, holder);
      }),
    ),
  );
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
  return { outcomes, failures };
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
