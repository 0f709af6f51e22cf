import { z } from 'zod';
import type { RecordJob, RelayTask, TranscodeJob } from '../events/resources.js';
import { recordStateOf, relayStateOf, transcodeStateOf } from '../events/states.js';
import type { Page } from './api.js';

/**
 * Response schemas: loose objects (unknown fields tolerated) that absorb the documented
 * inconsistencies — numbers sent as strings, `CallbackURL` in responses vs `CallbackUrl` in
 * requests, exit fields filled in on tasks that have not exited, `RetCode`/`Description` on
 * success — and map to the normalised resources of lib/events/resources.ts.
 */

const blankToUndefined = (value: unknown): unknown => (value === null || value === '' ? undefined : value);

/** A number that may arrive as a numeric string. */
const num = z.preprocess((value) => {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return value;
}, z.number());
const optNum = z.preprocess(blankToUndefined, num.optional());
const optStr = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : blankToUndefined(value)),
  z.string().optional(),
);

/** SourceUrls: an array, or (defensively) the JSON array string the request uses, or one URL. */
const sourceUrls = z.preprocess((value) => {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') {
    if (value.trimStart().startsWith('[')) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        // Not JSON after all: a single URL that happens to start with '['; keep it as is.
        return [value];
      }
    }
    return [value];
  }
  return value;
}, z.array(z.string()));

/** An array that may be missing or null (an empty page). */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined || value === null ? [] : value), z.array(item));

const TaskInfoSchema = z.looseObject({
  TaskId: optStr,
  TaskName: optStr,
  StartTime: optStr,
  EndTime: optStr,
  SourceType: optStr,
  SourceProtocol: optStr,
  SourceUrls: sourceUrls,
  DstUrl: optStr,
  CallbackURL: optStr,
  CallbackUrl: optStr,
  RetryCount: optNum,
  RetryInterval: optNum,
  RepeatNumber: optNum,
  Offset: optNum,
  FileIndex: optNum,
});

const RelayTaskSchema = z.looseObject({
  TaskId: optStr,
  TaskStatus: num,
  TaskInvalidReason: optStr,
  TaskExitTime: optNum,
  TaskExitReason: optStr,
  CurrentOffset: optNum,
  CurrentFileIndex: optNum,
  TaskInfo: z.preprocess(blankToUndefined, TaskInfoSchema.optional()),
});
type RelayTaskWire = z.infer<typeof RelayTaskSchema>;

const RetSchema = z.looseObject({
  RequestId: optStr,
  RetCode: optNum,
  Description: optStr,
});

export const RelayListResponseSchema = RetSchema.extend({
  Total: num,
  PageNumber: optNum,
  PageSize: optNum,
  TaskList: list(RelayTaskSchema),
});

/** DescribeLivePullToPush returns the task fields at the top level, beside RequestId/RetCode. */
export const RelayDescribeResponseSchema = RetSchema.extend(RelayTaskSchema.shape);

export const RelayTaskIdResponseSchema = RetSchema.extend({ TaskId: optStr });

export const RetOnlyResponseSchema = RetSchema;

const RecordJobSchema = z.looseObject({
  JobId: z.string(),
  Name: optStr,
  Status: z.preprocess(blankToUndefined, z.string().optional()),
  CreateTime: optStr,
  NotifyUrl: optStr,
  TemplateId: optStr,
  StreamInput: z.preprocess(blankToUndefined, z.looseObject({ Type: optStr, Url: optStr }).optional()),
});

export const RecordListResponseSchema = z.looseObject({
  RequestId: optStr,
  TotalCount: num,
  PageNo: optNum,
  PageSize: optNum,
  LiveRecordJobs: list(RecordJobSchema),
});

/** GetLiveRecordJob: `RecordJob{…the list item's fields}`. */
export const RecordJobResponseSchema = z.looseObject({ RequestId: optStr, RecordJob: RecordJobSchema });

const TranscodeJobSchema = z.looseObject({
  JobId: z.string(),
  Name: optStr,
  Status: optNum,
  StartMode: optNum,
  CreateTime: optStr,
  TemplateId: optStr,
  StreamInput: z.preprocess(blankToUndefined, z.looseObject({ Type: optStr, InputUrl: optStr }).optional()),
  OutputStream: z.preprocess(
    blankToUndefined,
    z.looseObject({ StreamInfos: list(z.looseObject({ Type: optStr, OutputUrl: optStr })) }).optional(),
  ),
});

export const TranscodeListResponseSchema = z.looseObject({
  RequestId: optStr,
  TotalCount: num,
  PageNo: optNum,
  PageSize: optNum,
  JobList: list(TranscodeJobSchema),
});

/** GetLiveTranscodeJob: `Job{…the list item's fields}`. */
export const TranscodeJobResponseSchema = z.looseObject({ RequestId: optStr, Job: TranscodeJobSchema });

/** Copies only the defined values, so the result satisfies exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/**
 * Maps one task (list item or describe body). The id is the item's `TaskId`, else `TaskInfo.TaskId`,
 * else `fallbackTaskId` (Describe: the id asked for); undefined when there is none at all.
 */
export function toRelayTask(
  wire: RelayTaskWire,
  region: string,
  fallbackTaskId?: string,
): RelayTask | undefined {
  const info = wire.TaskInfo;
  const taskId = wire.TaskId ?? info?.TaskId ?? fallbackTaskId;
  if (taskId === undefined) return undefined;
  return mapRelayTask(wire, region, taskId);
}

/** Maps one task whose id is known. */
export function mapRelayTask(wire: RelayTaskWire, region: string, taskId: string): RelayTask {
  const info = wire.TaskInfo;
  const state = relayStateOf(wire.TaskStatus);
  // The documented sample fills the reasons and exit time on a task that is not running or exited:
  // trust TaskStatus and keep each only where it can be true — except TriggerByUser, which marks a
  // user's stop in either field on any status but running (lib/events/stop-cause.ts, docs/emulator.md
  // "Readings"); a running task is running, whatever stale reason it carries.
  const interrupted = state === 'recovering' || state === 'offline';
  const exited = state === 'exited';
  const byUser = (reason: string | undefined) =>
    reason === 'TriggerByUser' && state !== 'running' ? reason : undefined;
  return {
    kind: 'relay',
    taskId,
    region,
    status: wire.TaskStatus,
    state,
    sourceUrls: info?.SourceUrls ?? [],
    ...defined({
      invalidReason: interrupted ? wire.TaskInvalidReason : byUser(wire.TaskInvalidReason),
      exitReason: exited ? wire.TaskExitReason : byUser(wire.TaskExitReason),
      // Kept beside a TriggerByUser too: it tells a reason left by an older stop from a new one (lib/remediate/decide.ts).
      exitTime: exited || byUser(wire.TaskExitReason) !== undefined ? wire.TaskExitTime : undefined,
      currentOffset: wire.CurrentOffset,
      currentFileIndex: wire.CurrentFileIndex,
      name: info?.TaskName,
      startTime: info?.StartTime,
      endTime: info?.EndTime,
      sourceType: info?.SourceType,
      sourceProtocol: info?.SourceProtocol,
      dstUrl: info?.DstUrl,
      callbackUrl: info?.CallbackURL ?? info?.CallbackUrl,
      retryCount: info?.RetryCount,
      retryInterval: info?.RetryInterval,
      repeatNumber: info?.RepeatNumber,
      offset: info?.Offset,
      fileIndex: info?.FileIndex,
    }),
  };
}

/** The page a listing asked for: a response that does not echo its page number or size keeps these. */
export type PageRequest = { readonly pageNumber: number; readonly pageSize: number };
type RecordList = z.infer<typeof RecordListResponseSchema>;
type TranscodeList = z.infer<typeof TranscodeListResponseSchema>;

export function toRelayPage(
  body: z.infer<typeof RelayListResponseSchema>,
  region: string,
  requested: PageRequest,
): Page<RelayTask> {
  const items: RelayTask[] = [];
  for (const wire of body.TaskList) {
    const task = toRelayTask(wire, region);
    if (task) items.push(task);
  }
  return {
    pageNumber: body.PageNumber ?? requested.pageNumber,
    pageSize: body.PageSize ?? requested.pageSize,
    total: body.Total,
    items,
  };
}

export function toRecordPage(body: RecordList, region: string, requested: PageRequest): Page<RecordJob> {
  const items = body.LiveRecordJobs.map((job) => mapRecordJob(job, region));
  return icePageOf(body, requested, items);
}

/** Both ICE listings answer TotalCount, PageNo and PageSize; a missing echo keeps what was asked. */
function icePageOf<T>(
  body: {
    readonly TotalCount: number;
    readonly PageNo?: number | undefined;
    readonly PageSize?: number | undefined;
  },
  requested: PageRequest,
  items: T[],
): Page<T> {
  return {
    pageNumber: body.PageNo ?? requested.pageNumber,
    pageSize: body.PageSize ?? requested.pageSize,
    total: body.TotalCount,
    items,
  };
}

export function mapRecordJob(job: z.infer<typeof RecordJobSchema>, region: string): RecordJob {
  const status = job.Status ?? '';
  return {
    kind: 'record',
    jobId: job.JobId,
    region,
    status,
    state: recordStateOf(status),
    ...defined({
      name: job.Name,
      createTime: job.CreateTime,
      streamUrl: job.StreamInput?.Url,
      notifyUrl: job.NotifyUrl,
      templateId: job.TemplateId,
    }),
  };
}

export function toTranscodePage(
  body: TranscodeList,
  region: string,
  requested: PageRequest,
): Page<TranscodeJob> {
  const items = body.JobList.map((job) => mapTranscodeJob(job, region));
  return icePageOf(body, requested, items);
}

export function mapTranscodeJob(job: z.infer<typeof TranscodeJobSchema>, region: string): TranscodeJob {
  // A missing Status maps to -1, which states.ts reads as `gone` (nothing we can act on).
  const status = job.Status ?? -1;
  return {
    kind: 'transcode',
    jobId: job.JobId,
    region,
    status,
    state: transcodeStateOf(status),
    outputUrls: (job.OutputStream?.StreamInfos ?? [])
      .map((info) => info.OutputUrl)
      .filter((url): url is string => url !== undefined),
    ...defined({
      name: job.Name,
      startMode: job.StartMode,
      createTime: job.CreateTime,
      inputUrl: job.StreamInput?.InputUrl,
      templateId: job.TemplateId,
    }),
  };
}
