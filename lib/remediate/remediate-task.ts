import { randomUUID } from 'node:crypto';
import type { RelayTask } from '../events/resources.js';
import type { RestartLedger } from '../store/store.js';
import { carryOutRestart, type UnknownOutcome } from './carry-out-restart.js';
import { type Decision, decide } from './decide.js';
import { maintenanceWindowFor } from './maintenance-window.js';
import { gateRestart, settleProbe } from './mass-failure-breakers.js';
import { recordVerifiedSnapshot } from './record-verified-snapshot.js';
import { clearVerifyFailure } from './record-verify-failure.js';
import {
  gaveUpNotice,
  noReasonStopNotice,
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
  clearRecheck,
} from './restart-ledger.js';
import { settleAttempt } from './settle-attempt.js';
import {
  endEpisode,
  failingNotice,
  outcomeOf as outcome,
  type Remember,
  type TaskCase,
  type TaskOutcome,
  withNext,
  writeLedger,
} from './task-case.js';
import { holdTaskLease, type TaskLease } from './task-lease.js';
import { verifyRelayTasks } from './verify-relay-tasks.js';

/**
 * Decisions per lease: a lost answer leads to a fresh description and decision (docs/alert.md,
 * "Ledger states"); if answers keep getting lost, the tick takes over instead of looping.
 */
const MAX_DECISIONS = 3;

/**
 * Applies the restart policy to one verified task under its lease (`restart:<key>`, short and
 * renewed: task-lease.ts), so concurrent invocations act on a task once. Every decision is written
 * to the task's history and handed to the notifier. API failures come back as a `failed` outcome;
 * store failures propagate.
 */
export async function remediateTask(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  holder: string = `remediate-${randomUUID()}`,
): Promise<TaskOutcome> {
  const lease = await holdTaskLease(deps, `restart:${c.key}`, holder);
  if (lease === undefined) return outcome(c, 'busy', 'another invocation is handling this task');
  try {
    let current = c;
    for (let decisions = 1; ; decisions += 1) {
      const result = await remediateLeased(deps, policy, current, lease);
      if (!('unknown' in result)) return result;
      if (decisions >= MAX_DECISIONS) return leaveToTick(deps, current, result);
      const again = await describeAgain(deps, current);
      if ('action' in again) return again;
      current = { ...again, afterLostUpdate: result.unknown === 'UpdateLivePullToPush' };
    }
  } finally {
    await lease.release();
  }
}

/**
 * After a lost answer: the task as it is now, for a fresh decision under the same lease and budget.
 * A person's `--force` is not carried over: it asked for one restart, and one may have happened.
 */
async function describeAgain(deps: RemediationDeps, c: TaskCase): Promise<TaskCase | TaskOutcome> {
  const verified = (await verifyRelayTasks(deps, [c.ref])).get(c.key);
  const now = deps.clock.now();
  const base = {
    key: c.key,
    ref: c.ref,
    verifiedAt: now,
    lastKnown: c.lastKnown,
    ...(c.hint ? { hint: { observedAt: c.hint.observedAt, source: c.hint.source } } : {}),
    ...(c.manual ? { manual: { force: false } } : {}),
  };
  if (verified === undefined || verified.kind === 'error') {
    return leaveToTick(deps, c, { reason: 'the task could not be described again after a lost answer' });
  }
  if (verified.kind === 'gone') return { ...base, verified: 'gone', stateSince: now };
  const { stateSince } = await recordVerifiedSnapshot(deps.store, verified.task, now);
  return { ...base, verified: verified.task, stateSince };
}

/** The attempt stays `unknown` in the ledger; the next tick settles it and decides afresh. */
async function leaveToTick(
  deps: RemediationDeps,
  c: TaskCase,
  why: Pick<UnknownOutcome, 'reason'>,
): Promise<TaskOutcome> {
  const at = deps.clock.now() + deps.config.LIVEWATCH_TICK_INTERVAL_S * 1000;
  const next = await writeLedger(deps, c, (l) => applyRecheck(l, at));
  const reason = `outcome unknown: ${why.reason}; the next tick looks again`;
  return outcome(c, 'failed', reason, { ...withNext(next), error: reason });
}

async function remediateLeased(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  lease: TaskLease,
): Promise<TaskOutcome | UnknownOutcome> {
  const now = deps.clock.now();
  const remember: Remember = (type, message, data = {}) =>
    deps.store.appendHistory(c.key, {
      at: now,
      type,
      message,
      data: { source: c.hint?.source ?? (c.manual ? 'cli' : 'tick'), ...data },
    });
  const stored = (await deps.store.ledgers.get(c.key))?.value;
  const name = c.verified === 'gone' ? undefined : c.verified.name;
  const verified = await clearVerifyFailure(deps, { ...c, name }, stored);
  const ledger = await settleAttempt(deps, policy, c, verified, remember);

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
  switch (decision.kind) {
    case 'healthy':
      return onHealthy(deps, c, ledger, task, now, remember);
    case 'skip':
      return onSkip(deps, policy, c, ledger, task, decision, now, remember);
    case 'wait':
    case 'give-up':
      return onFailing(deps, policy, c, task, decision, now, remember);
    case 'restart':
      return onRestart(deps, policy, c, task, decision, now, remember, lease);
  }
}

function decisionData(task: RelayTask, decision: Decision) {
  return { state: task.state, invalidReason: task.invalidReason, decision: decision.kind };
}

/** A task livewatch does not restart; some skips still deserve a notice. */
async function onSkip(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  ledger: RestartLedger | undefined,
  task: RelayTask,
  decision: Extract<Decision, { kind: 'skip' }>,
  now: number,
  remember: Remember,
): Promise<TaskOutcome> {
  if (decision.reason === 'opted-out' || decision.reason === 'auto-restart-off') {
    // Not ours to fix, but still worth an alert: mark the episode so recovery resolves it.
    await writeLedger(deps, c, (l) => clearRecheck(applyFailureSeen(l, now, policy).ledger));
    await deps.notifier.notify(failingNotice(task, now, decision.detail));
  } else if (decision.reason === 'user-stop' || decision.reason === 'no-reason-stop') {
    await onDeliberateStop(deps, c, ledger, task, now, decision);
  } else if (decision.reason === 'exited' || decision.reason === 'after-end') {
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
  await remember('skip', decision.detail, { ...decisionData(task, decision), reason: decision.reason });
  return outcome(c, 'skipped', decision.detail);
}

/** Failing and not restarted now: waiting for the platform's retries or a backoff, or out of budget. */
async function onFailing(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  task: RelayTask,
  decision: Extract<Decision, { kind: 'wait' | 'give-up' }>,
  now: number,
  remember: Remember,
): Promise<TaskOutcome> {
  const data = decisionData(task, decision);
  if (decision.kind === 'wait') {
    const next = await writeLedger(deps, c, (l) =>
      applyRecheck(applyFailureSeen(l, now, policy).ledger, decision.until),
    );
    await deps.notifier.notify(failingNotice(task, now, decision.detail));
    await remember('wait', decision.detail, { ...data, until: decision.until });
    return outcome(c, 'waiting', decision.detail, withNext(next));
  }
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

/**
 * A stop livewatch leaves alone: the episode ends, and the stop is kept in the ledger until the task
 * runs again (a later look without the callback's TriggerByUser still knows). A stop with no reason
 * gets its one notice when it is first recorded, never again for the same stop.
 */
async function onDeliberateStop(
  deps: RemediationDeps,
  c: TaskCase,
  ledger: RestartLedger | undefined,
  task: RelayTask,
  now: number,
  decision: Extract<Decision, { kind: 'skip' }>,
): Promise<void> {
  await endEpisode(deps, c, ledger, task, now, decision.detail);
  const cause = decision.reason === 'user-stop' ? 'user' : 'no-reason';
  const known = (await deps.store.ledgers.get(c.key))?.value.deliberateStop;
  if (known?.cause === cause || known?.cause === 'user') return;
  await writeLedger(deps, c, (l) => clearRecheck({ ...l, deliberateStop: { cause, at: now } }));
  if (cause === 'no-reason' && known === undefined) {
    await deps.notifier.notify(noReasonStopNotice(task, now, decision.detail));
  }
}

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
    (ledger.unhealthySince === undefined &&
      !ledger.needsPerson &&
      ledger.nextAttemptAt === undefined &&
      ledger.deliberateStop === undefined)
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
  lease: TaskLease,
): Promise<TaskOutcome | UnknownOutcome> {
  const data = { state: task.state, invalidReason: task.invalidReason, attempt: decision.attempt };
  // A maintenance window pauses automatic restarts only; a person's `livewatch restart` still acts.
  const window = c.manual ? undefined : await maintenanceWindowFor(deps.store, task, now);
  if (window !== undefined) {
    const next = await writeLedger(deps, c, (l) =>
      applyRecheck(applyFailureSeen(l, now, policy).ledger, window.until),
    );
    await deps.notifier.notify(failingNotice(task, now, `restart paused: ${window.detail}`));
    await remember('maintenance', `restart paused: ${window.detail}`, {
      ...data,
      silence: window.silenceId,
      until: window.until,
    });
    return outcome(c, 'paused', window.detail, withNext(next));
  }
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
  if (policy.dryRun) {
    const probe = gate.kind === 'probe' ? ` (half-open probe for ${gate.keys.join(', ')})` : '';
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
  await writeLedger(deps, c, (l) => applyFailureSeen(l, now, policy).ledger);
  return carryOutRestart({ deps, policy, c, task, decision, gate, now, remember }, lease);
}
