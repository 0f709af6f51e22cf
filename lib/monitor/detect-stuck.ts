import { type RetryGraceSettings, recoveringDeadlinesOf } from '../events/platform-retry-grace.js';
import type { Resource } from '../events/resources.js';
import { stopCauseOf } from '../events/stop-cause.js';

/** Reasons of `stuck` events: the state did not change but has lasted longer than it should. */
export const STUCK_REASONS = {
  /** A relay task still retrying after its grace (RetryCount × RetryInterval, or the setting, plus the margin). */
  recoveringBeyondGrace: 'RecoveringBeyondGrace',
  /** A relay task not started although its StartTime (plus a slack) has passed. */
  idlePastStartTime: 'IdlePastStartTime',
  /** A record job paused longer than ICE's own retry of a lost stream (plus margin). */
  recordPausedTooLong: 'RecordPausedTooLong',
  /**
   * A relay task offline (not stopped by a user) for longer than livewatch's own backoff allows.
   * The safety net for a remediation cut off mid-way (an instance killed between writing the
   * verified snapshot and restarting): the snapshot already says offline, so no transition would
   * ever be reported again and the task would stay dead.
   */
  offlineUnattended: 'OfflineUnattended',
} as const;

export type StuckReason = (typeof STUCK_REASONS)[keyof typeof STUCK_REASONS];

export interface StuckPolicy {
  /** The recovering grace shared with the restart policy (lib/events/platform-retry-grace.ts). */
  readonly retryGrace: RetryGraceSettings;
  /** LIVEWATCH_IDLE_START_SLACK_S. */
  readonly idleStartSlackS: number;
  /** LIVEWATCH_RECORD_PAUSED_GRACE_S. */
  readonly recordPausedGraceS: number;
  /** LIVEWATCH_OFFLINE_RECHECK_S. */
  readonly offlineRecheckS: number;
  /** LIVEWATCH_RESTART_UNEXPLAINED_STOPS: a stop with no reason is left alone unless set. */
  readonly restartNoReasonStops: boolean;
}

/**
 * Whether a resource is stuck in its current state at `now`, given since when it has been in
 * that state (as far as livewatch knows). Returns the stuck reason, or undefined.
 */
export function detectStuck(
  resource: Resource,
  stateSince: number,
  now: number,
  policy: StuckPolicy,
): StuckReason | undefined {
  const inState = now - stateSince;
  if (resource.kind === 'relay') {
    if (
      resource.state === 'recovering' &&
      now >= recoveringDeadlinesOf(resource, stateSince, policy.retryGrace).graceEnd
    ) {
      return STUCK_REASONS.recoveringBeyondGrace;
    }
    // The re-check is for failures livewatch would restart; a deliberate stop (a user's, or one with
    // no reason unless the setting restarts those) is left alone and was noticed once already.
    const cause = stopCauseOf(resource);
    const restartable = cause === 'failure' || (cause === 'no-reason' && policy.restartNoReasonStops);
    if (resource.state === 'offline' && restartable && inState >= policy.offlineRecheckS * 1000) {
      return STUCK_REASONS.offlineUnattended;
    }
    if (resource.state === 'idle' && cause !== 'user' && resource.startTime !== undefined) {
      const start = Date.parse(resource.startTime);
      if (Number.isFinite(start) && now >= start + policy.idleStartSlackS * 1000) {
        return STUCK_REASONS.idlePastStartTime;
      }
    }
    return undefined;
  }
  if (resource.kind === 'record' && resource.state === 'paused') {
    return inState >= policy.recordPausedGraceS * 1000 ? STUCK_REASONS.recordPausedTooLong : undefined;
  }
  return undefined;
}
