import type { RelayTask } from '../events/resources.js';
import { activeSilenceFor } from '../notify/active-silence.js';
import type { Store } from '../store/store.js';
import { sourceHostsOf } from './circuit-breaker.js';

/** An active maintenance window (a silence with `pauseRestarts`) covering a task. */
export interface MaintenancePause {
  readonly silenceId: string;
  /** When the window ends: the task is re-checked then. */
  readonly until: number;
  readonly detail: string;
}

/**
 * The maintenance window pausing automatic restarts of `task` now, if any (`livewatch silence add
 * --pause-restarts`, docs/notify.md "Silences"). Only the window's scope matchers count (kind,
 * region, source host, task name, task id), never its severity or reason.
 */
export async function maintenanceWindowFor(
  store: Pick<Store, 'silences'>,
  task: RelayTask,
  now: number,
): Promise<MaintenancePause | undefined> {
  const labels = {
    kind: 'relay',
    region: task.region,
    sourceHosts: sourceHostsOf(task),
    taskName: task.name,
    taskId: task.taskId,
  };
  const silence = await activeSilenceFor(store, labels, now, true);
  if (silence === undefined) return undefined;
  return {
    silenceId: silence.id,
    until: silence.endsAt,
    detail: `maintenance window ${silence.id} by ${silence.createdBy} (${silence.comment}) until ${new Date(silence.endsAt).toISOString()}`,
  };
}
