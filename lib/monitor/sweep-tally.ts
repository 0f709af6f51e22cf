import type { ResourceKind, TaskState } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import type { SweepError } from './sweep-report.js';

/** What a piece of a sweep produced, summed into the sweep's report by `addTally`. */
export interface SweepTally {
  /** Events handed to the alert function (in a dry run: those that would have been). */
  readonly delivered: readonly TaskEvent[];
  readonly errors: readonly SweepError[];
  readonly batches: number;
  readonly snapshotWrites: number;
  readonly conflicts: number;
  /** Resources by kind and state. */
  readonly tasks: Readonly<Record<ResourceKind, Readonly<Partial<Record<TaskState, number>>>>>;
}

export function emptyTally(): SweepTally {
  return {
    delivered: [],
    errors: [],
    batches: 0,
    snapshotWrites: 0,
    conflicts: 0,
    tasks: { relay: {}, record: {}, transcode: {} },
  };
}

/** The sum of two tallies (neither is changed). */
export function addTally(a: SweepTally, b: Partial<SweepTally>): SweepTally {
  const tasks = {
    relay: { ...a.tasks.relay },
    record: { ...a.tasks.record },
    transcode: { ...a.tasks.transcode },
  };
  for (const kind of ['relay', 'record', 'transcode'] as const) {
    for (const [state, n] of Object.entries(b.tasks?.[kind] ?? {})) {
      const key = state as TaskState;
      tasks[kind][key] = (tasks[kind][key] ?? 0) + (n ?? 0);
    }
  }
  return {
    delivered: b.delivered?.length ? [...a.delivered, ...b.delivered] : a.delivered,
    errors: b.errors?.length ? [...a.errors, ...b.errors] : a.errors,
    batches: a.batches + (b.batches ?? 0),
    snapshotWrites: a.snapshotWrites + (b.snapshotWrites ?? 0),
    conflicts: a.conflicts + (b.conflicts ?? 0),
    tasks,
  };
}

/** A tally of resources counted by kind and state. */
export function tasksTally(
  resources: ReadonlyArray<{ readonly kind: ResourceKind; readonly state: TaskState }>,
) {
  const tasks: Record<ResourceKind, Partial<Record<TaskState, number>>> = {
    relay: {},
    record: {},
    transcode: {},
  };
  for (const { kind, state } of resources) tasks[kind][state] = (tasks[kind][state] ?? 0) + 1;
  return tasks;
}
