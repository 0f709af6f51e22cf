import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  RESOURCE_KINDS,
  type RecordJob,
  type RelayTask,
  ResourceRefSchema,
  TASK_STATES,
  type TranscodeJob,
} from './resources.js';

/**
 * `TaskEvent` is the one currency between the functions: the callback receiver and the poller
 * produce them, the alert function consumes them (as a JSON array in the async invocation). Its
 * type is derived from the schema that validates it at the alert function's edge, so the two cannot
 * drift apart; only the snapshot is typed beyond what the schema checks (it is a hint, see below).
 */
const EVENT_SOURCES = ['callback', 'poll', 'cli'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/**
 * What kind of observation this is:
 * - `transition`: the state changed (or was first seen unhealthy);
 * - `stuck`: the state did not change but has lasted too long (recovering beyond its grace,
 *   idle past its StartTime, a record job paused while it should record);
 * - `disappeared`: the resource is no longer listed (exited / gone).
 */
const EVENT_TRIGGERS = ['transition', 'stuck', 'disappeared'] as const;
export type EventTrigger = (typeof EVENT_TRIGGERS)[number];

const StateSchema = z.enum(TASK_STATES);

/** Validates TaskEvents arriving at the alert function (its edge). Snapshots are loosely checked. */
export const TaskEventSchema = z.object({
  resource: ResourceRefSchema,
  state: StateSchema,
  previousState: StateSchema.optional(),
  /** `PullStreamFailed`, `PushStreamFailed`, `TriggerByUser`, `UnknownError`, `RetryTimesOffline`, `OverEndTime`, or a stuck reason. */
  reason: z.string().max(256).optional(),
  trigger: z.enum(EVENT_TRIGGERS),
  /** Epoch ms at which the source observed the state (callback EventTime, or the sweep time). */
  observedAt: z.number().int().nonnegative(),
  source: z.enum(EVENT_SOURCES),
  /** The last known details of the resource, when the source had them. */
  snapshot: z.looseObject({ kind: z.enum(RESOURCE_KINDS) }).optional(),
  /** Stable dedupe key: the same observation always yields the same key. */
  key: z.string().min(1).max(128),
});

export const TaskEventBatchSchema = z.array(TaskEventSchema).max(10_000);

/**
 * The schema's fields, with the snapshot as the resource it describes: producers build it from the
 * API's answer; at the alert function's edge only a relay snapshot that has the fields remediation
 * reads is kept (lib/alert/parse-event-batch.ts).
 */
export type TaskEvent = Readonly<Omit<z.infer<typeof TaskEventSchema>, 'snapshot'>> & {
  readonly snapshot?: RelayTask | RecordJob | TranscodeJob;
};

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
