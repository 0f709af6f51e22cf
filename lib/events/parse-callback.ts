import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type InputIssue, ValidationError } from '../errors.js';
import { zodIssues } from '../zod-issues.js';
import { boundObservedAt } from './observation-time.js';
import type { RelayState, RelayTask } from './resources.js';
import { relayStateOf } from './states.js';
import { eventKey, type TaskEvent } from './task-event.js';
import { TaskIdSchema } from './task-id.js';

/**
 * Parses a pull-to-push callback body (docs/callback.md) into a TaskEvent. Tolerant where the docs are
 * vague, strict where a wrong value would mislead:
 * - any `Event` starting with `LivePullToPush` (the documented typo `LivePullToPushRuning` included;
 *   unknown names are accepted and flagged `recognised: false` for the caller to log);
 * - `EventTime` as a string or number of Unix seconds; missing or invalid → the receive time, flagged;
 *   later than the receive time plus a small skew → clamped to the receive time, flagged (see
 *   observation-time.ts: a future-dated snapshot would hide the task from the poller);
 * - `TaskStatus` as a number or numeric string (-1…3), optional;
 * - the exit callback (an `Event` containing `Exit`, `TaskExitReason`/`TaskExitTime`, or status -1) → `exited`;
 * - unknown extra fields tolerated; `TaskInfo` picked field by field (a wrongly typed field is dropped).
 * Anything else (not JSON, not an object, wrong types, no TaskId, another Event) throws ValidationError.
 */

/** Event names seen in docs (both spellings) and the guessed exit name. */
const KNOWN_CALLBACK_EVENTS: readonly string[] = [
  'LivePullToPushRunning',
  'LivePullToPushRuning',
  'LivePullToPushExit',
];

export interface ParseCallbackOptions {
  /** Epoch ms at which the callback arrived (used when EventTime is missing or invalid). */
  readonly receivedAt: number;
  /** Region from the callback URL's `?region=` (already validated); wins over TaskInfo. */
  readonly region?: string | undefined;
  /** Used when neither the URL nor TaskInfo names a region: the first LIVEWATCH_LIVE_REGIONS entry. */
  readonly defaultRegion: string;
}

export interface ParsedCallback {
  readonly event: TaskEvent;
  readonly taskId: string;
  /** The raw `Event` name. */
  readonly eventName: string;
  /** False for an `Event` name livewatch has not seen documented (accepted anyway). */
  readonly recognised: boolean;
  /** False when EventTime was missing or invalid and the receive time was used instead. */
  readonly eventTimeValid: boolean;
  /** True when EventTime was later than the receive time (beyond the skew allowance) and was clamped to it. */
  readonly eventTimeClamped: boolean;
  /** The EventTime the body claimed (epoch ms), when it carried a valid one. */
  readonly claimedEventTime: number | undefined;
  /** False when the body carried no status (no TaskStatus and not an exit): `event.state` is then a guess. */
  readonly stateKnown: boolean;
  /** The API status number when known (-1 for exit). */
  readonly status: number | undefined;
  /** The RelayTask fields the body carried (TaskInfo and top-level extras), for merging into a snapshot. */
  readonly details: Partial<Omit<RelayTask, 'kind' | 'taskId' | 'region' | 'status' | 'state'>>;
  /** Where the region came from. */
  readonly regionSource: 'query' | 'task-info' | 'default';
}

const MAX_TEXT = 2048;
const REGION = /^[a-z]{2,4}(-[a-z]+)+(-\d{1,2})?$/;

const NumberLike = z.union([z.number(), z.string().max(32)], {
  error: 'must be Unix seconds as a number or a numeric string',
});

const CallbackSchema = z.looseObject({
  Event: z
    .string({ error: 'is required and must be a string' })
    .max(128, 'is too long')
    .startsWith('LivePullToPush', 'must start with LivePullToPush'),
  EventTime: NumberLike.optional().nullable(),
  TaskId: TaskIdSchema,
  TaskStatus: z
    .union([z.number(), z.string().max(8)], { error: 'must be a number or a numeric string' })
    .optional()
    .nullable(),
  TaskInvalidReason: z.string({ error: 'must be a string' }).max(256, 'is too long').optional().nullable(),
  TaskExitReason: z.string({ error: 'must be a string' }).max(256, 'is too long').optional().nullable(),
  TaskExitTime: NumberLike.optional().nullable(),
  TaskInfo: z.looseObject({}, { error: 'must be an object' }).optional().nullable(),
});

/**
 * @example
 * const parsed = parseCallback(request.body, { receivedAt: clock.now(), region: 'cn-shanghai', defaultRegion: 'cn-shanghai' });
 * parsed.event.state; // 'offline'
 */
export function parseCallback(body: Buffer | string, options: ParseCallbackOptions): ParsedCallback {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const { raw, value, status } = readCallbackBody(text);
  const info = value.TaskInfo ?? undefined;
  const time = eventTimeOf(value.EventTime, options.receivedAt);
  const outcome = outcomeOf(value, info, status);
  const { region, regionSource } = regionOf(textOf(info?.Region), options);
  const details = detailsOf(info, raw);
  const task = { taskId: value.TaskId, region, details, hasInfo: info !== undefined };
  return {
    event: eventOf(task, outcome, {
      observedAt: time.observedAt,
      key: callbackEventKey(value, time.seconds, text, outcome.status),
    }),
    taskId: value.TaskId,
    eventName: value.Event,
    recognised: KNOWN_CALLBACK_EVENTS.includes(value.Event),
    eventTimeValid: time.seconds !== undefined,
    eventTimeClamped: time.clamped,
    claimedEventTime: time.seconds === undefined ? undefined : time.seconds * 1000,
    stateKnown: outcome.status !== undefined,
    status: outcome.status,
    details: { ...details, ...outcome.fields },
    regionSource,
  };
}

type CallbackBody = z.infer<typeof CallbackSchema>;
type Details = ParsedCallback['details'];

/** `EventTime` in Unix seconds when valid, and the observation time bounded by the receive time. */
function eventTimeOf(
  eventTime: CallbackBody['EventTime'],
  receivedAt: number,
): { seconds: number | undefined; observedAt: number; clamped: boolean } {
  const seconds = parseSeconds(eventTime);
  if (seconds === undefined) return { seconds, observedAt: receivedAt, clamped: false };
  return { seconds, ...boundObservedAt(seconds * 1000, receivedAt) };
}

/** What the body says of the task's status: the number (-1 for an exit), the state, the reason. */
interface CallbackOutcome {
  readonly status: number | undefined;
  readonly state: RelayState;
  readonly reason: string | undefined;
  /** The invalid and exit reasons and the exit time, for the task's record. */
  readonly fields: Pick<Details, 'invalidReason' | 'exitReason' | 'exitTime'>;
}

/** The exit callback (an `Event` containing `Exit`, an exit reason or time, or status -1) is `exited`. */
function outcomeOf(
  value: CallbackBody,
  info: Record<string, unknown> | undefined,
  parsedStatus: number | undefined,
): CallbackOutcome {
  const exitTime = parseSeconds(value.TaskExitTime) ?? parseSeconds(info?.TaskExitTime);
  const exitReason = value.TaskExitReason ?? textOf(info?.TaskExitReason);
  const isExit =
    /exit/i.test(value.Event) || exitReason !== undefined || exitTime !== undefined || parsedStatus === -1;
  const status = isExit ? -1 : parsedStatus;
  // Without a status the event is only a hint that something changed; the alert function verifies
  // with DescribeLivePullToPush before acting (docs/callback.md), so 'recovering' (unhealthy, never
  // acted on immediately) is the least harmful placeholder.
  const state: RelayState = status === undefined ? 'recovering' : relayStateOf(status);
  const invalidReason = value.TaskInvalidReason ?? undefined;
  const reason = isExit
    ? (exitReason ?? invalidReason)
    : (invalidReason ?? (status === undefined ? 'StatusUnknown' : undefined));
  const fields = {
    ...(invalidReason === undefined ? {} : { invalidReason }),
    ...(isExit && exitReason !== undefined ? { exitReason } : {}),
    ...(isExit && exitTime !== undefined ? { exitTime } : {}),
  };
  return { status, state, reason, fields };
}

/**
 * The event's resource, state and reason, with a snapshot of the task when the body carried both
 * `TaskInfo` and a status (without either, what the body says is not a whole task).
 */
function eventOf(
  task: {
    readonly taskId: string;
    readonly region: string;
    readonly details: Details;
    readonly hasInfo: boolean;
  },
  outcome: CallbackOutcome,
  stamp: Pick<TaskEvent, 'observedAt' | 'key'>,
): TaskEvent {
  const { taskId, region, details } = task;
  const { status, state, reason } = outcome;
  const snapshot: RelayTask | undefined =
    task.hasInfo && status !== undefined
      ? {
          ...details,
          kind: 'relay',
          taskId,
          region,
          status,
          state,
          sourceUrls: details.sourceUrls ?? [],
          ...outcome.fields,
        }
      : undefined;
  const name = details.name;
  return {
    resource:
      name === undefined
        ? { kind: 'relay', id: taskId, region }
        : { kind: 'relay', id: taskId, region, name },
    state,
    ...(reason === undefined ? {} : { reason }),
    trigger: 'transition',
    observedAt: stamp.observedAt,
    source: 'callback',
    ...(snapshot === undefined ? {} : { snapshot }),
    key: stamp.key,
  };
}

/** JSON, an object, the schema, a usable TaskStatus: a ValidationError naming the first that fails. */
function readCallbackBody(text: string): {
  raw: Record<string, unknown>;
  value: CallbackBody;
  status: number | undefined;
} {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('callback body', [{ path: '', message: 'is not valid JSON' }], {
      cause: error,
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('callback body', [{ path: '', message: 'must be a JSON object' }]);
  }
  const parsed = CallbackSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('callback body', zodIssues(parsed.error));
  const issues: InputIssue[] = [];
  const status = parseStatus(parsed.data.TaskStatus, issues);
  if (issues.length > 0) throw new ValidationError('callback body', issues);
  return { raw: raw as Record<string, unknown>, value: parsed.data, status };
}

/** The callback URL's `?region=`, else a well-formed `TaskInfo.Region`, else the receiver's default. */
function regionOf(
  infoRegion: string | undefined,
  options: ParseCallbackOptions,
): { region: string; regionSource: ParsedCallback['regionSource'] } {
  if (options.region) return { region: options.region, regionSource: 'query' };
  if (infoRegion && REGION.test(infoRegion)) return { region: infoRegion, regionSource: 'task-info' };
  return { region: options.defaultRegion, regionSource: 'default' };
}

/**
 * Dedupe key (docs/callback.md, dedupe): (TaskId, Event, EventTime, TaskStatus). Without a usable
 * EventTime the body's digest stands in, so a sender's retry (same bytes) still dedupes while two
 * different untimed callbacks do not collide.
 */
function callbackEventKey(
  value: { readonly TaskId: string; readonly Event: string },
  eventSeconds: number | undefined,
  text: string,
  finalStatus: number | undefined,
): string {
  const timePart =
    eventSeconds !== undefined
      ? String(eventSeconds)
      : `body:${createHash('sha256').update(text).digest('hex')}`;
  return eventKey(['callback', value.TaskId, value.Event, timePart, finalStatus ?? '']);
}

function parseStatus(value: number | string | null | undefined, issues: InputIssue[]): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number =
    typeof value === 'number' ? value : /^\s*-?\d{1,3}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < -1 || number > 3) {
    issues.push({ path: 'TaskStatus', message: 'must be one of -1, 0, 1, 2, 3 (number or numeric string)' });
    return undefined;
  }
  return number;
}

/** Unix seconds from a number or numeric string; undefined when absent or implausible. */
function parseSeconds(value: unknown): number | undefined {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && /^\s*\d{1,12}(\.\d{1,9})?\s*$/.test(value)) number = Number(value);
  else return undefined;
  // Between 2001 and 2286: anything else is not a Unix-seconds timestamp (e.g. milliseconds, 0, negatives).
  if (!Number.isFinite(number) || number < 1e9 || number >= 1e10) return undefined;
  return Math.floor(number);
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT ? value : undefined;
}

function intOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

function urlsOf(value: unknown): string[] | undefined {
  let list: unknown = value;
  if (typeof value === 'string') {
    // The API takes SourceUrls as a JSON-array string; a callback might echo it that way.
    try {
      list = JSON.parse(value);
    } catch {
      return textOf(value) === undefined ? undefined : [value];
    }
  }
  if (!Array.isArray(list)) return undefined;
  const urls = list.filter((item): item is string => textOf(item) !== undefined).slice(0, 30);
  return urls.length > 0 ? urls : undefined;
}

/** Picks the RelayTask fields a body carries; each field is independent, a wrong type just drops it. */
function detailsOf(info: Record<string, unknown> | undefined, top: Record<string, unknown>): Details {
  const source = info ?? {};
  const picks: Array<[keyof Details, unknown]> = [
    ['name', textOf(source.TaskName)],
    ['startTime', textOf(source.StartTime)],
    ['endTime', textOf(source.EndTime)],
    ['sourceType', textOf(source.SourceType)],
    ['sourceProtocol', textOf(source.SourceProtocol)],
    ['sourceUrls', urlsOf(source.SourceUrls)],
    ['dstUrl', textOf(source.DstUrl)],
    ['callbackUrl', textOf(source.CallbackURL) ?? textOf(source.CallbackUrl)],
    ['retryCount', intOf(source.RetryCount)],
    ['retryInterval', intOf(source.RetryInterval)],
    ['repeatNumber', intOf(source.RepeatNumber)],
    ['offset', intOf(source.Offset)],
    ['fileIndex', intOf(source.FileIndex)],
    ['currentOffset', intOf(top.CurrentOffset) ?? intOf(source.CurrentOffset)],
    ['currentFileIndex', intOf(top.CurrentFileIndex) ?? intOf(source.CurrentFileIndex)],
  ];
  const details: Record<string, unknown> = {};
  for (const [field, value] of picks) if (value !== undefined) details[field] = value;
  return details as Details;
}
