import { AliyunApiError, describeError, RemediationError } from '../errors.js';
import type { RelayTask } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { RestartAttempt } from '../store/store.js';
import type { Decision } from './decide.js';
import type { gateRestart } from './mass-failure-breakers.js';
import { restartedNotice } from './relay-notices.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { RemediationPolicy } from './remediation-policy.js';
import {
  applyOutcomeUnknown,
  applyOwnAttemptDone,
  applyRestartAnswered,
  applyRestartIntent,
  clearRecheck,
} from './restart-ledger.js';
import { type RestartResult, restartRelayTask } from './restart-relay-task.js';
import {
  endEpisode,
  failingNotice,
  outcomeOf,
  type Remember,
  type TaskCase,
  type TaskOutcome,
  withNext,
  writeLedger,
} from './task-case.js';
import type { TaskLease } from './task-lease.js';

type RestartDecision = Extract<Decision, { kind: 'restart' }>;
type Gate = Exclude<Awaited<ReturnType<typeof gateRestart>>, { kind: 'paused' }>;

/** A mutating call was answered ambiguously: the caller describes the task and decides afresh. */
export interface UnknownOutcome {
  readonly unknown: NonNullable<RestartAttempt['action']>;
  readonly reason: string;
}

interface Step {
  readonly deps: RemediationDeps;
  readonly policy: RemediationPolicy;
  readonly c: TaskCase;
  readonly task: RelayTask;
  readonly decision: RestartDecision;
  readonly gate: Gate;
  readonly now: number;
  readonly remember: Remember;
}

/**
 * The restart itself, under the task's lease: the intent is written ahead of the calls
 * (`applyRestartIntent`), then Stop/Update/Restart, then the outcome settles the attempt in one write.
 * After the calls the "restarted" notice goes out BEFORE that write, under the attempt's id: a crash
 * in between leaves the intent, and whoever settles it sends the same notice again (deduplicated).
 */
export async function carryOutRestart(
  step: Step,
  lease: Pick<TaskLease, 'held' | 'ttlMs'>,
): Promise<TaskOutcome | UnknownOutcome> {
  const { deps, c, decision, now } = step;
  if (!lease.held()) return outcomeOf(c, 'busy', 'lost the task lease before restarting; not restarted');
  await writeLedger(deps, c, (l) =>
    applyRestartIntent(
      l,
      { at: now, number: decision.attempt, ...(decision.resume ? { resume: decision.resume } : {}) },
      now + lease.ttlMs,
    ),
  );
  let result: RestartResult;
  try {
    result = await restartRelayTask(deps.client, deps.log, c.ref, {
      ...decision,
      resumeSet: c.afterLostUpdate === true && isResumeSet(step.task, decision.resume),
    });
  } catch (error) {
    return onRestartError(step, error);
  }
  await deps.testCrashPoint?.('after-restart-call');
  return onRestarted(step, result);
}

async function onRestartError(step: Step, error: unknown): Promise<TaskOutcome | UnknownOutcome> {
  const { deps, policy, c, task, decision, now, remember } = step;
  const data = { state: task.state, invalidReason: task.invalidReason, attempt: decision.attempt };
  if (!(error instanceof RemediationError)) throw error;
  const cause = error.cause;
  if (cause instanceof AliyunApiError && cause.code === 'CodeTaskNotExist') {
    const ledger = await writeLedger(deps, c, (l) => {
      const { pendingRestartAt: _p, attempt: _a, ...rest } = l;
      return clearRecheck(rest);
    });
    await endEpisode(deps, c, ledger, task, now, 'task no longer exists');
    await remember('gone', 'restart refused: task no longer exists');
    return outcomeOf(c, 'gone', 'task no longer exists');
  }
  const action = mutatingAction(error.action);
  if (cause instanceof AliyunApiError && cause.outcomeUnknown && action !== undefined) {
    // Never resent blindly (docs/alert.md, "Ledger states"): the ledger says unknown, then we look.
    await writeLedger(deps, c, (l) => applyOutcomeUnknown(l, now, action));
    const reason = `${action} answered ambiguously (${describeError(cause)}); not resent: describing the task again`;
    await remember('restart-unknown', reason, { ...data, action });
    return { unknown: action, reason };
  }
  // Our own Stop went through but the Restart did not: keep the mark, so the TriggerByUser that Stop
  // left on the task is not taken for a person's stop on the next try.
  const stoppedByUs = decision.stopFirst && error.action === 'RestartLivePullToPush';
  const next = await writeLedger(deps, c, (l) => applyOwnAttemptDone(l, now, policy, { ok: stoppedByUs }));
  const reason = `restart failed: ${describeError(cause)}`;
  await deps.notifier.notify(failingNotice(task, now, reason));
  await remember('restart-failed', reason, data);
  return outcomeOf(c, 'failed', reason, { ...withNext(next), error: describeError(cause) });
}

/**
 * Whether the described task carries the resume point already (the lost Update was applied), so the
 * Update need not be sent again. An Offset of 0 is never sent, so only an absent Offset matches it.
 */
function isResumeSet(task: RelayTask, resume: RestartDecision['resume']): boolean {
  if (resume === undefined || task.fileIndex !== resume.fileIndex) return false;
  return resume.offset > 0 ? task.offset === resume.offset : task.offset === undefined;
}

function mutatingAction(action: string): NonNullable<RestartAttempt['action']> | undefined {
  return action === 'StopLivePullToPush' ||
    action === 'UpdateLivePullToPush' ||
    action === 'RestartLivePullToPush'
    ? action
    : undefined;
}

async function onRestarted(step: Step, result: RestartResult): Promise<TaskOutcome> {
  const { deps, policy, c, task, decision, gate, now } = step;
  // Announced once per restart series and for every probe (relay-notices.ts says why).
  const restarted = restartedNotice(task, now, {
    attempt: decision.attempt,
    resume: result.resumed,
    newTaskId: result.taskId,
    dryRun: false,
    probeFor: gate.kind === 'probe' ? gate.keys : undefined,
  });
  if (restarted) await deps.notifier.notify(restarted);
  await writeLedger(deps, c, (l) =>
    applyRestartAnswered(applyOwnAttemptDone(l, now, policy, { ok: true }), now),
  );
  const finalKey = result.taskId === task.taskId ? c.key : await followNewTaskId(deps, c, task, result);
  const message = restartedMessage(step, result);
  await deps.store.appendHistory(finalKey, {
    at: now,
    type: result.resumed ? 'resume' : 'restart',
    message,
    data: {
      source: c.hint?.source ?? (c.manual ? 'cli' : 'tick'),
      state: task.state,
      invalidReason: task.invalidReason,
      attempt: decision.attempt,
      ...(result.resumed ? { resumed: result.resumed } : {}),
      ...(result.taskId === task.taskId ? {} : { previousTaskId: task.taskId, newTaskId: result.taskId }),
    },
  });
  const next = (await deps.store.ledgers.get(finalKey))?.value;
  return outcomeOf(c, 'restarted', message, {
    ...withNext(next),
    ...(result.taskId === task.taskId ? {} : { newTaskId: result.taskId }),
    ...(result.resumed ? { resumed: result.resumed } : {}),
  });
}

/** Restart returned a new TaskId: ledger, snapshot and history move to it (the lineage keeps the old). */
async function followNewTaskId(
  deps: RemediationDeps,
  c: TaskCase,
  task: RelayTask,
  result: RestartResult,
): Promise<string> {
  const finalKey = resourceKey({ kind: 'relay', region: task.region, id: result.taskId });
  await deps.store.moveTask(c.key, finalKey, task.taskId);
  await updateDocument(deps.store.ledgers, finalKey, (l) =>
    l ? { ...l, taskId: result.taskId } : undefined,
  );
  await updateDocument(deps.store.snapshots, finalKey, (s) =>
    s && s.resource.kind === 'relay'
      ? { ...s, resource: { ...s.resource, taskId: result.taskId } }
      : undefined,
  );
  return finalKey;
}

function restartedMessage(step: Step, result: RestartResult): string {
  const { task, decision, gate } = step;
  const probe = gate.kind === 'probe' ? ` (half-open probe for ${gate.keys.join(', ')})` : '';
  const resumeNote = result.resumed
    ? `; resumed at file ${result.resumed.fileIndex}, offset ${result.resumed.offset} s`
    : result.resumeError
      ? `; from the beginning (could not set the resume position: ${result.resumeError})`
      : '';
  const renamed =
    result.taskId === task.taskId ? '' : `; the API returned a new TaskId ${result.taskId} (lineage kept)`;
  return `restarted (#${decision.attempt}): ${decision.detail}${probe}${resumeNote}${renamed}`;
}
