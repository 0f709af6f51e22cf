import { recoveringDeadlinesOf } from '../events/platform-retry-grace.js';
import type { RelayTask } from '../events/resources.js';
import { stopCauseOf } from '../events/stop-cause.js';
import type { RestartLedger } from '../store/store.js';
import type { RemediationPolicy } from './remediation-policy.js';
import { backoffUntil, restartsInWindow } from './restart-ledger.js';

/** Why livewatch leaves a task alone. */
export type SkipReason =
  | 'user-stop'
  | 'no-reason-stop'
  | 'before-start'
  | 'after-end'
  | 'exited'
  | 'idle'
  | 'opted-out'
  | 'auto-restart-off'
  | 'needs-person'
  | 'running';

export interface ResumePoint {
  readonly fileIndex: number;
  /** Seconds into the file, as sent; 0 means "from the start of the file" and is not sent (Offset > 0). */
  readonly offset: number;
}

export type Decision =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly detail: string }
  | {
      readonly kind: 'wait';
      readonly reason: 'recovering-grace' | 'backoff';
      readonly until: number;
      readonly detail: string;
    }
  | { readonly kind: 'give-up'; readonly restartsInWindow: number; readonly detail: string }
  | {
      readonly kind: 'restart';
      /** 1 for the first restart of a series. */
      readonly attempt: number;
      /** A running/recovering task must be stopped before FileIndex/Offset can be updated. */
      readonly stopFirst: boolean;
      readonly resume?: ResumePoint;
      readonly detail: string;
    };

export interface DecideInput {
  /** The task as just verified through the API (the truth). */
  readonly task: RelayTask;
  readonly ledger: RestartLedger | undefined;
  /** Epoch ms since when the task has been in its current state (from the snapshot). */
  readonly stateSince: number;
  /** The reason carried by the event that led here (a hint, e.g. `TriggerByUser` from a callback). */
  readonly eventReason?: string | undefined;
  readonly eventObservedAt?: number | undefined;
  /** The last known playback position when the verified task does not report one. */
  readonly lastKnown?: Pick<RelayTask, 'currentFileIndex' | 'currentOffset'> | undefined;
  readonly policy: RemediationPolicy;
  readonly now: number;
  /**
   * A person asked for this restart (`livewatch restart`). `force` bypasses backoff, budget,
   * needs-person, opt-out and a user stop; it never bypasses the task's time window or exit.
   */
  readonly manual?: { readonly force: boolean } | undefined;
}

/** While a late platform retry runs, look again this often at least (the tick's period bounds it too). */
const LATE_RETRY_RECHECK_MS = 10_000;

/** EventTime and TaskExitTime have one-second resolution; an event this close to our own restart is ours. */
const OWN_EVENT_TOLERANCE_MS = 2_000;

/**
 * How late after our Restart answered a TriggerByUser event is still taken for our own Stop's (its
 * delivery may lag; an event without EventTime is stamped on arrival). A person's stop inside this
 * window still shows on the verified task, which decides (`mayShowOwnStop`).
 */
const LATE_OWN_EVENT_MS = 30_000;

/**
 * The restart policy as one pure function: what to do with a verified relay task, given its ledger.
 * The circuit breaker is applied by the caller after a `restart` decision (it needs shared state).
 *
 * @example
 * const decision = decide({ task, ledger, stateSince, policy, now: clock.now() });
 * if (decision.kind === 'restart') await restartTask(...);
 */
export function decide(input: DecideInput): Decision {
  const { task, ledger, policy, now } = input;
  const force = input.manual?.force ?? false;

  if (task.state === 'exited') {
    return {
      kind: 'skip',
      reason: 'exited',
      detail: `task exited (${task.exitReason ?? 'no reason given'})`,
    };
  }
  const start = parseUtc(task.startTime);
  const end = parseUtc(task.endTime);
  if (end !== undefined && now >= end) {
    return { kind: 'skip', reason: 'after-end', detail: `past its EndTime ${task.endTime}` };
  }
  if (start !== undefined && now < start) {
    return { kind: 'skip', reason: 'before-start', detail: `before its StartTime ${task.startTime}` };
  }
  const deliberate = force || task.state === 'running' ? undefined : deliberateStopOf(input);
  if (deliberate === 'user') {
    return { kind: 'skip', reason: 'user-stop', detail: 'stopped by a user (TriggerByUser)' };
  }
  if (deliberate === 'no-reason') {
    return {
      kind: 'skip',
      reason: 'no-reason-stop',
      detail:
        'stopped with no reason given (TaskStatus 3), which may be a person’s stop: not restarted ' +
        '(LIVEWATCH_RESTART_UNEXPLAINED_STOPS=true restarts such tasks; livewatch restart --force restarts this one)',
    };
  }
  if (task.state === 'idle') {
    return { kind: 'skip', reason: 'idle', detail: 'task has not started (TaskStatus 0)' };
  }
  if (task.state === 'running' && !(input.manual && force)) {
    return input.manual
      ? { kind: 'skip', reason: 'running', detail: 'task is running; use --force to restart it anyway' }
      : { kind: 'healthy' };
  }
  if (!force && isOptedOut(task, policy)) {
    return { kind: 'skip', reason: 'opted-out', detail: 'opted out of automatic restarts' };
  }
  if (!input.manual && !policy.autoRestart) {
    return { kind: 'skip', reason: 'auto-restart-off', detail: 'LIVEWATCH_AUTO_RESTART is off' };
  }

  const held =
    (task.state === 'recovering' && !force ? platformRetrying(input) : undefined) ??
    (ledger && !force ? heldByLedger(ledger, now, policy) : undefined);
  if (held) return held;

  const resume = resumePointOf(task, input.lastKnown);
  const attempt = (ledger?.consecutive ?? 0) + 1;
  return {
    kind: 'restart',
    attempt,
    stopFirst: resume !== undefined && (task.state === 'running' || task.state === 'recovering'),
    ...(resume ? { resume } : {}),
    detail:
      task.state === 'recovering'
        ? 'still retrying past the platform’s retry window (stuck)'
        : task.state === 'running'
          ? 'restart requested with --force'
          : `offline (${task.invalidReason ?? input.eventReason ?? 'no reason given'})`,
  };
}

/**
 * A recovering task is the platform's while its retries may still run (lib/events/platform-retry-grace.ts):
 * until RetryCount × RetryInterval + the margin, and after that for as long as it is still retrying
 * (a late last retry), up to twice the window — livewatch acts on a look that sees it stopped.
 */
function platformRetrying(input: DecideInput): Decision | undefined {
  const { task, now } = input;
  const { graceEnd, stuckAt } = recoveringDeadlinesOf(task, input.stateSince, input.policy.retryGrace);
  const seconds = (ms: number) => Math.round(ms / 1000);
  if (now < graceEnd) {
    return {
      kind: 'wait',
      reason: 'recovering-grace',
      until: graceEnd,
      detail: `the platform is retrying; re-check at the end of its retries plus a margin (${seconds(graceEnd - input.stateSince)} s)`,
    };
  }
  if (now < stuckAt) {
    return {
      kind: 'wait',
      reason: 'recovering-grace',
      until: Math.min(stuckAt, now + Math.max(input.policy.retryGrace.marginMs, LATE_RETRY_RECHECK_MS)),
      detail: `still retrying ${seconds(now - input.stateSince)} s in: the platform's last retry is running late; acting only once it stops (or after ${seconds(stuckAt - input.stateSince)} s)`,
    };
  }
  return undefined;
}

/** Needs a person, budget spent, or backing off: what the ledger says before another restart. */
function heldByLedger(ledger: RestartLedger, now: number, policy: RemediationPolicy): Decision | undefined {
  if (ledger.needsPerson) {
    return { kind: 'skip', reason: 'needs-person', detail: 'restart budget spent; waiting for a person' };
  }
  const spent = restartsInWindow(ledger, now, policy);
  if (spent >= policy.budget) {
    return {
      kind: 'give-up',
      restartsInWindow: spent,
      detail: `${spent} restarts within ${Math.round(policy.budgetWindowMs / 60_000)} min; giving up`,
    };
  }
  const until = backoffUntil(ledger, now, policy);
  if (until !== undefined && now < until) {
    return {
      kind: 'wait',
      reason: 'backoff',
      until,
      detail: `backing off after ${ledger.consecutive} restart(s); next attempt in ${Math.ceil((until - now) / 1000)} s`,
    };
  }
  return undefined;
}

function isOptedOut(task: Pick<RelayTask, 'taskId' | 'name'>, policy: RemediationPolicy): boolean {
  if (policy.optOutIds.has(task.taskId)) return true;
  return (
    policy.optOutNamePattern !== undefined &&
    task.name !== undefined &&
    policy.optOutNamePattern.test(task.name)
  );
}

/**
 * A stop livewatch must not undo (docs/alert.md, "User stops"): a person's (`TriggerByUser` in the
 * verified task or, unless livewatch's own Stop caused it, in the event; or recorded in the ledger
 * since the task last ran), or one with no reason at all unless the setting restarts those.
 */
function deliberateStopOf(input: DecideInput): 'user' | 'no-reason' | undefined {
  const { task, ledger, policy } = input;
  const cause = stopCauseOf(task);
  const ours = task.state === 'offline' && mayShowOwnStop(ledger, task);
  if (cause === 'user') return ours ? undefined : 'user';
  if (input.eventReason === 'TriggerByUser' && !isOwnEvent(input)) return 'user';
  // A TriggerByUser seen earlier holds until the task runs again (applyHealthy clears it): recovering
  // means someone started it again; stopped or not started, it has not run since.
  const notRunSince = task.state === 'offline' || task.state === 'idle';
  if (notRunSince && ledger?.deliberateStop?.cause === 'user') return 'user';
  if (cause === 'no-reason' && !ours && !policy.restartNoReasonStops) return 'no-reason';
  return undefined;
}

/**
 * Whether the stop the verified task shows may be the one livewatch's own calls left (docs/alert.md,
 * "User stops"). livewatch Stops a retrying VOD/url task before moving its position; if the Restart
 * after that failed (or its answer was lost), the task shows OUR Stop — TriggerByUser, or no reason —
 * until it is seen running again. Once our Restart answered OK, a stop is a person's, unless the
 * task's exit time says its reason is older than that Restart (a reason the platform kept).
 */
function mayShowOwnStop(ledger: RestartLedger | undefined, task: RelayTask): boolean {
  if (ledger?.pendingRestartAt === undefined) return false;
  const answered = ledger.restartAnsweredAt;
  if (answered === undefined) return true;
  // The exit's whole second ended before our Restart answered; in doubt, a person's stop.
  return task.exitTime !== undefined && (task.exitTime + 1) * 1_000 <= answered;
}

/**
 * An event whose TriggerByUser came from livewatch's own calls: observed from our attempt's intent
 * (written before the first call) until shortly after its Restart answered. A person's stop reported
 * later is a person's.
 */
function isOwnEvent(input: DecideInput): boolean {
  const { ledger, eventObservedAt: at } = input;
  const pending = ledger?.pendingRestartAt;
  if (pending === undefined || at === undefined || at < pending - OWN_EVENT_TOLERANCE_MS) return false;
  return ledger?.restartAnsweredAt === undefined || at <= ledger.restartAnsweredAt + LATE_OWN_EVENT_MS;
}

/**
 * The position livewatch sends before a VOD/url Restart (docs/alert.md, "Resume position"). Restart
 * starts over unless FileIndex/Offset are set while the task is stopped; Offset "must be greater than
 * 0" and, once set, stays in the task's configuration, where no documented call clears it. So:
 * - the last known CurrentFileIndex/CurrentOffset is sent as FileIndex and Offset;
 * - at 0 s into a file, Offset is left out, unless the task still carries an Offset from before:
 *   then Offset 1 overrides it (one second skipped, instead of the old Offset's worth);
 * - no known position, but the task carries a FileIndex or Offset from before: file 0 (Offset 1 as
 *   above), so an old position never applies to a later restart.
 * Live sources have nothing to resume.
 */
function resumePointOf(
  task: RelayTask,
  lastKnown: Pick<RelayTask, 'currentFileIndex' | 'currentOffset'> | undefined,
): ResumePoint | undefined {
  if (task.sourceType !== 'vod' && task.sourceType !== 'url') return undefined;
  const fileIndex = Math.max(0, task.currentFileIndex ?? lastKnown?.currentFileIndex ?? 0);
  const offset = Math.max(0, Math.floor(task.currentOffset ?? lastKnown?.currentOffset ?? 0));
  const staleOffset = (task.offset ?? 0) > 0;
  const staleIndex = (task.fileIndex ?? 0) > 0;
  if (fileIndex === 0 && offset === 0 && !staleOffset && !staleIndex) return undefined;
  return { fileIndex, offset: offset === 0 && staleOffset ? 1 : offset };
}

function parseUtc(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
