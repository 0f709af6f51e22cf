import type { RelayTask } from './resources.js';

/**
 * Why a relay task is not streaming, as far as its own fields tell (the one rule the poller's
 * re-check and the alert function's policy share):
 * - `user`: `TriggerByUser` in either reason field, whatever the TaskStatus. The callback page lists
 *   it under `TaskInvalidReason`, the list page under `TaskExitReason`, and the list page's sample
 *   fills both on a status-0 task (docs/emulator.md, "Readings");
 * - `failure`: stopped (TaskStatus 3) or retrying with a failure reason (`PullStreamFailed`, …);
 * - `no-reason`: stopped (TaskStatus 3) with no reason at all. The list page says status 3 covers a
 *   user's StopLivePullToPush as well as failures, so this may well be a person's stop;
 * - undefined: running, not started, or exited (the time window and exit rules decide those).
 */
export type StopCause = 'user' | 'failure' | 'no-reason';

export function stopCauseOf(
  task: Pick<RelayTask, 'state' | 'invalidReason' | 'exitReason'>,
): StopCause | undefined {
  if (task.state === 'running' || task.state === 'exited') return undefined;
  if (task.invalidReason === 'TriggerByUser' || task.exitReason === 'TriggerByUser') return 'user';
  if (task.state === 'idle') return undefined;
  if (task.state === 'recovering') return 'failure';
  return task.invalidReason === undefined && task.exitReason === undefined ? 'no-reason' : 'failure';
}
