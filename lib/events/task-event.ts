import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RecordJob, RelayTask, ResourceRef, TaskState, TranscodeJob } from './resources.js';

/**
 * `TaskEvent` is the one currency between the functions: the callback receiver and the poller
 * produce them, the alert function consumes them (as a JSON array in the async invocation).
 */
export type EventSource = 'callback' | 'poll' | 'cli';

/**
 * What kind of observation this is:
 * - `transition`: the state changed (or was first seen unhealthy);
 * - `stuck`: the state did not change but has lasted too long (recovering beyond its grace,
 *   idle past its StartTime, a record job paused while it should record);
 * - `disappeared`: the resource is no longer listed (exited / gone).
 */
export type EventTrigger = 'transition' | 'stuck' | 'disappeared';

export interface TaskEvent {
  readonly resource: ResourceRef;
  readonly state: TaskState;
  readonly previousState?: TaskState;
  /** `PullStreamFailed`, `PushStreamFailed`, `TriggerByUser`, `UnknownError`, `RetryTimesOffline`, `OverEndTime`, or a stuck reason. */
  readonly reason?: string;
  readonly trigger: EventTrigger;
  /** Epoch ms at which the source observed the state (callback EventTime, or the sweep time). */
  readonly observedAt: number;
  readonly source: EventSource;
  /** The last known details of the resource, when the source had them. */
  readonly snapshot?: RelayTask | RecordJob | TranscodeJob;
  /** Stable dedupe key: the same observation always yields the same key. */
  readonly key: string;
}

/**
 * A dedupe key usable as an FC `x-fc-async-task-id`: starts with a letter, `[A-Za-z0-9_-]`, ≤ 128 chars.
 */
export function eventKey(parts: ReadonlyArray<string | number | undefined>): string {
  const digest = createHash('sha256')
    .update(parts.map((part) => String(part ?? '')).join('\u0000'))
    .digest('base64url')
    .replace(/[^A-Za-z0-9_-]/g, '_');
  return `ev_${digest.slice(0, 43)}`;
}

const ResourceRefSchema = z.object({
  kind: z.enum(['relay', 'record', 'transcode']),
  id: z.string().min(1).max(256),
  region: z.string().min(1).max(64),
  name: z.string().max(1024).optional(),
});

const StateSchema = z.enum([
  'idle',
  'running',
  'recovering',
  'offline',
  'exited',
  'initial',
  'started',
  'paused',
  'gone',
  'not-started',
  'stopped',
]);

/** Validates TaskEvents arriving at the alert function (its edge). Snapshots are loosely checked. */
export const TaskEventSchema = z.object({
  resource: ResourceRefSchema,
  state: StateSchema,
  previousState: StateSchema.optional(),
  reason: z.string().max(256).optional(),
  trigger: z.enum(['transition', 'stuck', 'disappeared']),
  observedAt: z.number().int().nonnegative(),
  source: z.enum(['callback', 'poll', 'cli']),
  snapshot: z.looseObject({ kind: z.enum(['relay', 'record', 'transcode']) }).optional(),
  key: z.string().min(1).max(128),
});

export const TaskEventBatchSchema = z.array(TaskEventSchema).max(10_000);
