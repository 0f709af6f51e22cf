import type { TaskRef } from '../aliyun/api.js';
import { AliyunApiError, describeError, RemediationError } from '../errors.js';
import type { RelayTask } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import type { EventSource } from '../events/task-event.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { RestartLedger } from '../store/store.js';
import { type Decision, decide } from './decide.js';
import { gateRestart, settleProbe } from './mass-failure-breakers.js';
import {
  gaveUpNotice,
  notStartedNotice,
  offlineNotice,
  recoveredNotice,
  recoveringNotice,
  restartedNotice,
} from './relay-notices.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { RemediationPolicy } from './remediation-policy.js';
import {
  applyFailureSeen,
  applyGiveUp,
  applyHealthy,
  applyRecheck,
  applyRestartDone,
  applyRestartPending,
  clearRecheck,
  createLedger,
} from './restart-ledger.js';
import { restartRelayTask } from './restart-relay-task.js';

/** One verified task to remediate. */
export interface TaskCase {
  /** resourceKey() of the task. */
  readonly key: string;
  readonly ref: TaskRef;
  /** The verified task, or 'gone' when the API says it no longer exists. */
  readonly verified: RelayTask | 'gone';
  /** When the verification read was made (a restart by someone else after it makes it stale). */
  readonly verifiedAt: number;
  readonly stateSince: number;
  readonly lastKnown?: Pick<RelayTask, 'currentFileIndex' | 'currentOffset'> | undefined;
  /** The event that led here; absent for the tick's re-checks. */
  readonly hint?:
    | {
        /** The state the event claimed (a hint; the verified task decides). */
        readonly state?: string | undefined;
        readonly reason?: string | undefined;
        readonly observedAt: number;
        readonly source: EventSource;
      }
    | undefined;
  readonly manual?: { readonly force: boolean } | undefined;
}

export type OutcomeAction =
  | 'restarted'
  | 'would-restart'
  | 'waiting'
  | 'paused'
  | 'gave-up'
  | 'skipped'
  | 'healthy'
  | 'busy'
  | 'gone'
  | 'failed'
  /** Not reached within the invocation's time budget; the next tick continues with it. */
  | 'deferred';

export interface TaskOutcome {
  readonly key: string;
  readonly taskId: string;
  readonly region: string;
  readonly action: OutcomeAction;
  /** The decision's reason in words (also written to the task's history). */
  readonly reason: string;
  readonly newTaskId?: string;
  readonly resumed?: { readonly fileIndex: number; readonly offset: number };
  /** Epoch ms of the next scheduled re-check, if any. */
  readonly nextAttemptAt?: number;
  readonly error?: string;
}

/**
 * Applies the restart policy to one verified task under its lease (`restart:<key>`), so concurrent
 * invocations act on a task once. Every decision is written to the task's history and handed to
 * the notifier. API failures come back as a `failed` outcome; store failures propagate.
 */
export async function remediateTask(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  holder: string,
): Promise<TaskOutcome> {
  const lease = `restart:${c.key}`;
  const ttlMs = Math.max(60_000, deps.config.LIVEWATCH_API_DEADLINE_MS * 4);
  if (!(await deps.store.acquireLease(lease, holder, ttlMs, deps.clock.now()))) {
    return outcome(c, 'busy', 'another invocation is handling this task');
  }
  try {
    return await remediateLeased(deps, policy, c);
  } finally {
    await deps.store.releaseLease(lease, holder);
  }
}

function outcome(
  c: TaskCase,
  action: OutcomeAction,
  reason: string,
  extra: Partial<TaskOutcome> = {},
): TaskOutcome {
  return { key: c.key, taskId: c.ref.taskId, region: c.ref.region, action, reason, ...extra };
}

async function remediateLeased(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
): Promise<TaskOutcome> {
  const now = deps.clock.now();
  const ledger = (await deps.store.ledgers.get(c.key))?.value;
  const remember = (type: string, message: string, data: Record<string, unknown> = {}) =>
    deps.store.appendHistory(c.key, {
      at: now,
      type,
      message,
      data: { source: c.hint?.source ?? (c.manual ? 'cli' : 'tick'), ...data },
    });

  if (c.verified === 'gone') {
    await endEpisode(
      deps,
      c,
      ledger,
      { taskId: c.ref.taskId, region: c.ref.region },
      now,
      'task no longer exists',
    );
    await remember('gone', 'task no longer exists (CodeTaskNotExist); nothing to restart');
    return outcome(c, 'gone', 'task no longer exists');
  }
  const task = c.verified;
  if (!c.manual && ledger?.pendingRestartAt !== undefined && ledger.pendingRestartAt > c.verifiedAt) {
    await remember('skip', 'restarted by another invocation after this verification');
    return outcome(c, 'skipped', 'already restarted');
  }

  await settleProbe(deps, task, c.key, now);
  const decision = decide({
    task,
    ledger,
    stateSince: c.stateSince,
    eventReason: c.hint?.reason,
    eventObservedAt: c.hint?.observedAt,
    lastKnown: c.lastKnown,
    policy,
    now,
    manual: c.manual,
  });
  const data = { state: task.state, invalidReason: task.invalidReason, decision: decision.kind };

  switch (decision.kind) {
    case 'healthy':
      return onHealthy(deps, c, ledger, task, now, remember);
    case 'skip': {
      if (decision.reason === 'opted-out' || decision.reason === 'auto-restart-off') {
        // Not ours to fix, but still worth an alert: mark the episode so recovery resolves it.
        await writeLedger(deps, c, (l) => clearRecheck(applyFailureSeen(l, now, policy).ledger));
        await deps.notifier.notify(failingNotice(task, now, decision.detail));
      } else if (
        decision.reason === 'user-stop' ||
        decision.reason === 'exited' ||
        decision.reason === 'after-end'
      ) {
        await endEpisode(deps, c, ledger, task, now, decision.detail);
      } else if (decision.reason === 'idle') {
        // Past its StartTime and still not started (the poller's "stuck" report): nothing to restart
        // (the platform starts tasks), but someone should know. Resolved when it runs.
        await writeLedger(deps, c, (l) => clearRecheck(applyFailureSeen(l, now, policy).ledger));
        await deps.notifier.notify(notStartedNotice(task, 'firing', now, decision.detail));
      } else if (ledger?.nextAttemptAt !== undefined) {
        // Nothing to re-check for a task left alone (needs a person, idle, before its start).
        await writeLedger(deps, c, clearRecheck);
      }
      await remember('skip', decision.detail, { ...data, reason: decision.reason });
      return outcome(c, 'skipped', decision.detail);
    }
    case 'wait': {
      const next = await writeLedger(deps, c, (l) =>
        applyRecheck(applyFailureSeen(l, now, policy).ledger, decision.until),
      );
      await deps.notifier.notify(failingNotice(task, now, decision.detail));
      await remember('wait', decision.detail, { ...data, until: decision.until });
      return outcome(c, 'waiting', decision.detail, withNext(next));
    }
    case 'give-up': {
      await writeLedger(deps, c, (l) => applyGiveUp(applyFailureSeen(l, now, policy).ledger, now));
      await deps.notifier.notify(failingNotice(task, now, decision.detail));
      await deps.notifier.notify(
        gaveUpNotice(
          task,
          'firing',
          now,
          `${decision.detail}. Fix the source or destination, then the task resumes automatic handling once it runs again.`,
        ),
      );
      await remember('gave-up', decision.detail, { ...data, restartsInWindow: decision.restartsInWindow });
      return outcome(c, 'gave-up', decision.detail);
    }
    case 'restart':
      return onRestart(deps, policy, c, task, decision, now, remember);
  }
}

type Remember = (type: string, message: string, data?: Record<string, unknown>) => Promise<void>;

async function onHealthy(
  deps: RemediationDeps,
  c: TaskCase,
  ledger: RestartLedger | undefined,
  task: RelayTask,
  now: number,
  remember: Remember,
): Promise<TaskOutcome> {
  if (
    ledger === undefined ||
    (ledger.unhealthySince === undefined && !ledger.needsPerson && ledger.nextAttemptAt === undefined)
  ) {
    if (c.hint?.state !== undefined && c.hint.state !== 'running') {
      // A callback is only a hint (and unauthenticated): say why it led to nothing.
      await remember('verify', `event said ${c.hint.state}; the API says running: no action`, {
        eventState: c.hint.state,
        state: task.state,
      });
    }
    return outcome(c, 'healthy', 'running');
  }
  if (ledger.unhealthySince === undefined && !ledger.needsPerson) {
    // Only a scheduled re-check (e.g. after a failed verification) to clear: nothing had failed.
    await writeLedger(deps, c, (l) => applyHealthy(l, now));
    return outcome(c, 'healthy', 'running');
  }
  const byRestart = ledger.pendingRestartAt !== undefined;
  const downMs = ledger.unhealthySince === undefined ? undefined : now - ledger.unhealthySince;
  await writeLedger(deps, c, (l) => applyHealthy(l, now));
  const message = byRestart
    ? `restarted OK: running again${downMs === undefined ? '' : ` after ${Math.round(downMs / 1000)} s`}`
    : `recovered on its own${downMs === undefined ? '' : ` after ${Math.round(downMs / 1000)} s`}`;
  await remember(byRestart ? 'restart-ok' : 'recovered', message, { downMs });
  if (ledger.unhealthySince !== undefined) {
    await deps.notifier.notify(offlineNotice(task, 'resolved', now, message));
    await deps.notifier.notify(recoveringNotice(task, 'resolved', now, message));
    await deps.notifier.notify(notStartedNotice(task, 'resolved', now, message));
    if (!byRestart) await deps.notifier.notify(recoveredNotice(task, now, downMs, false));
  }
  if (ledger.needsPerson) {
    await deps.notifier.notify(
      gaveUpNotice(task, 'resolved', now, 'running again; automatic restarts resumed'),
    );
    await remember('resumed', 'running again; automatic handling resumed with a fresh restart budget');
  }
  return outcome(c, 'healthy', message);
}

async function onRestart(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  task: RelayTask,
  decision: Extract<Decision, { kind: 'restart' }>,
  now: number,
  remember: Remember,
): Promise<TaskOutcome> {
  const data = { state: task.state, invalidReason: task.invalidReason, attempt: decision.attempt };
  const gate = c.manual?.force
    ? { kind: 'closed' as const }
    : await gateRestart(deps, policy, task, c.key, now);
  if (gate.kind === 'paused') {
    const until = gate.until ?? now + deps.config.LIVEWATCH_TICK_INTERVAL_S * 1000;
    const next = await writeLedger(deps, c, (l) =>
      applyRecheck(applyFailureSeen(l, now, policy).ledger, until),
    );
    await deps.notifier.notify(failingNotice(task, now, gate.detail));
    await remember('breaker', `restart paused: ${gate.detail}`, { ...data, breaker: gate.key, until });
    return outcome(c, 'paused', gate.detail, withNext(next));
  }
  const probe = gate.kind === 'probe' ? ` (half-open probe for ${gate.keys.join(', ')})` : '';

  if (policy.dryRun) {
    const next = await writeLedger(deps, c, (l) =>
      applyRestartDone(applyFailureSeen(l, now, policy).ledger, now, policy, { ok: false }),
    );
    const wouldRestart = restartedNotice(task, now, {
      attempt: decision.attempt,
      resume: decision.resume,
      dryRun: true,
    });
    if (wouldRestart) await deps.notifier.notify(wouldRestart);
    await remember('would-restart', `dry-run: would restart: ${decision.detail}${probe}`, {
      ...data,
      resume: decision.resume,
    });
    return outcome(c, 'would-restart', decision.detail, {
      ...withNext(next),
      ...(decision.resume ? { resumed: decision.resume } : {}),
    });
  }

  // Recorded BEFORE the mutating calls, so the Stop/Running callbacks they cause are recognised as ours.
  await writeLedger(deps, c, (l) => applyRestartPending(applyFailureSeen(l, now, policy).ledger, now));
  let result: Awaited<ReturnType<typeof restartRelayTask>>;
  try {
    result = await restartRelayTask(deps.client, deps.log, c.ref, decision);
  } catch (error) {
    const cause = error instanceof RemediationError ? error.cause : error;
    if (cause instanceof AliyunApiError && cause.code === 'CodeTaskNotExist') {
      await writeLedger(deps, c, (l) => {
        const { pendingRestartAt: _p, ...rest } = l;
        return clearRecheck(rest);
      });
      await endEpisode(deps, c, await currentLedger(deps, c.key), task, now, 'task no longer exists');
      await remember('gone', 'restart refused: task no longer exists');
      return outcome(c, 'gone', 'task no longer exists');
    }
    if (!(error instanceof RemediationError)) throw error;
    // Our own Stop went through but the Restart did not: keep the mark, so the TriggerByUser that Stop
    // left on the task is not taken for a person's stop on the next try.
    const stoppedByUs = decision.stopFirst && error.action === 'RestartLivePullToPush';
    const next = await writeLedger(deps, c, (l) => applyRestartDone(l, now, policy, { ok: stoppedByUs }));
    const reason = `restart failed: ${describeError(cause)}`;
    await deps.notifier.notify(failingNotice(task, now, reason));
    await remember('restart-failed', reason, data);
    return outcome(c, 'failed', reason, { ...withNext(next), error: describeError(cause) });
  }

  let finalKey = c.key;
  await writeLedger(deps, c, (l) => applyRestartDone(l, now, policy, { ok: true }));
  if (result.taskId !== task.taskId) {
    finalKey = resourceKey({ kind: 'relay', region: task.region, id: result.taskId });
    await deps.store.moveTask(c.key, finalKey, task.taskId);
    await updateDocument(deps.store.ledgers, finalKey, (l) =>
      l ? { ...l, taskId: result.taskId } : undefined,
    );
    await updateDocument(deps.store.snapshots, finalKey, (s) =>
      s && s.resource.kind === 'relay'
        ? { ...s, resource: { ...s.resource, taskId: result.taskId } }
        : undefined,
    );
  }
  const resumeNote = result.resumed
    ? ` resumed at file ${result.resumed.fileIndex}, offset ${result.resumed.offset} s`
    : result.resumeError
      ? ` from the beginning (could not set the resume position: ${result.resumeError})`
      : '';
  const renamed =
    result.taskId === task.taskId ? '' : `; the API returned a new TaskId ${result.taskId} (lineage kept)`;
  const message = `restarted (#${decision.attempt}): ${decision.detail}${probe}${resumeNote}${renamed}`;
  await deps.store.appendHistory(finalKey, {
    at: now,
    type: result.resumed ? 'resume' : 'restart',
    message,
    data: {
      source: c.hint?.source ?? (c.manual ? 'cli' : 'tick'),
      ...data,
      ...(result.resumed ? { resumed: result.resumed } : {}),
      ...(result.taskId === task.taskId ? {} : { previousTaskId: task.taskId, newTaskId: result.taskId }),
    },
  });
  // Announced once per restart series and for every probe (relay-notices.ts says why).
  const restarted = restartedNotice(task, now, {
    attempt: decision.attempt,
    resume: result.resumed,
    newTaskId: result.taskId,
    dryRun: false,
    probeFor: gate.kind === 'probe' ? gate.keys : undefined,
  });
  if (restarted) await deps.notifier.notify(restarted);
  const next = (await deps.store.ledgers.get(finalKey))?.value;
  return outcome(c, 'restarted', message, {
    ...withNext(next),
    ...(result.taskId === task.taskId ? {} : { newTaskId: result.taskId }),
    ...(result.resumed ? { resumed: result.resumed } : {}),
  });
}

/** The failing task's alert: critical when offline, warning while the platform is still retrying. */
function failingNotice(task: RelayTask, now: number, detail: string) {
  return task.state === 'recovering'
    ? recoveringNotice(task, 'firing', now, detail)
    : offlineNotice(task, 'firing', now, detail);
}

/** The task stopped on purpose or went away: close its episode and resolve what was firing. */
async function endEpisode(
  deps: RemediationDeps,
  c: TaskCase,
  ledger: RestartLedger | undefined,
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  now: number,
  detail: string,
): Promise<void> {
  if (ledger === undefined) return;
  if (ledger.unhealthySince !== undefined || ledger.nextAttemptAt !== undefined) {
    await writeLedger(deps, c, (l) => {
      const { unhealthySince: _u, nextAttemptAt: _n, ...rest } = l;
      return rest;
    });
  }
  if (ledger.unhealthySince !== undefined) {
    await deps.notifier.notify(offlineNotice(task, 'resolved', now, detail));
    await deps.notifier.notify(recoveringNotice(task, 'resolved', now, detail));
    await deps.notifier.notify(notStartedNotice(task, 'resolved', now, detail));
  }
}

async function currentLedger(deps: RemediationDeps, key: string): Promise<RestartLedger | undefined> {
  return (await deps.store.ledgers.get(key))?.value;
}

async function writeLedger(
  deps: RemediationDeps,
  c: TaskCase,
  change: (ledger: RestartLedger) => RestartLedger,
): Promise<RestartLedger | undefined> {
  const { after } = await updateDocument(deps.store.ledgers, c.key, (current) =>
    change(current ?? createLedger(c.ref.taskId, c.ref.region)),
  );
  return after;
}

function withNext(ledger: RestartLedger | undefined): { nextAttemptAt?: number } {
  return ledger?.nextAttemptAt === undefined ? {} : { nextAttemptAt: ledger.nextAttemptAt };
}
