import { z } from 'zod';
import { ICE_REGIONS, LIVE_REGIONS } from '../config/config.js';
import { ValidationError } from '../errors.js';
import { TaskIdSchema } from '../events/task-id.js';
import { zodIssues } from '../zod-issues.js';
import type {
  CreateRelayTaskParams,
  ListRecordJobsParams,
  ListRelayTasksParams,
  ListTranscodeJobsParams,
  TaskRef,
  UpdateRelayTaskParams,
} from './api.js';

/**
 * Request validation: every documented constraint is checked BEFORE a call leaves the process, on
 * an object keyed by the API's own parameter names, so a ValidationError's issues read
 * `PageSize: must be between 1 and 100`. Builders return the wire parameters (all strings;
 * `SourceUrls` as a JSON array string, as the SDKs send it).
 */
export type WireParams = Record<string, string>;

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000;
const MAX_URL = 2000;
/** Free-text filters and names have no documented bound; this one keeps a query under gateway URL limits. */
const MAX_TEXT = 2000;
const text = z.string().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`);

const liveRegion = z.enum(LIVE_REGIONS, { error: `must be one of ${LIVE_REGIONS.join(', ')}` });
const iceRegion = z.enum(ICE_REGIONS, { error: `must be one of ${ICE_REGIONS.join(', ')}` });
const taskId = TaskIdSchema;
const utcTime = z
  .string()
  .regex(UTC_TIME, { message: 'must be UTC yyyy-MM-ddTHH:mm:ssZ, e.g. 2024-08-26T10:30:00Z', abort: true })
  // Date.parse rolls 2024-02-30 over to March 1st: a real calendar time formats back to itself.
  .refine((value) => {
    const ms = Date.parse(value);
    return !Number.isNaN(ms) && `${new Date(ms).toISOString().slice(0, 19)}Z` === value;
  }, 'is not a real calendar date and time');
const intIn = (min: number, max: number, what = `an integer between ${min} and ${max}`) =>
  z
    .number({ error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(min, `must be ${what}`)
    .max(max, `must be ${what}`);
const pageSize = intIn(1, 100);
const pageNumber = intIn(1, 2_147_483_647, 'an integer greater than 0');
const rtmpUrl = z
  .string()
  .max(MAX_URL, `must be at most ${MAX_URL} characters`)
  .regex(/^rtmp:\/\/\S+$/i, 'must be an rtmp:// URL');
const callbackUrl = z
  .string()
  .max(MAX_URL, `must be at most ${MAX_URL} characters`)
  // The service takes a scheme-less URL (the page's own sample is `hahaha.com`); livewatch sends only http(s).
  .refine((value) => value === '' || /^https?:\/\/\S+$/i.test(value), 'must be an http(s) URL or empty');
const sourceUrl = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_URL, `must be at most ${MAX_URL} characters`);
const retryInterval = intIn(60, 300, 'an integer between 60 and 300 (seconds)');
/**
 * The pages give RetryCount only a default (3), no bound; livewatch and its emulator share this one
 * (a bound keeps the recovering grace, RetryCount × RetryInterval, finite).
 */
export const RETRY_COUNT_MAX = 1_000;
const retryCount = intIn(0, RETRY_COUNT_MAX, `an integer between 0 and ${RETRY_COUNT_MAX}`);
const repeatNumber = intIn(-1, 2_147_483_647, '-1 (loop), 0 (once) or a positive integer');
const offset = intIn(1, 2_147_483_647, 'a positive integer (seconds); omit it to start at the beginning');
const fileIndex = intIn(0, 2_147_483_647, 'a non-negative integer');
const sourceProtocol = z.enum(['rtmp', 'rtsp', 'srt', 'http-flv', 'flv', 'hls'], {
  error: 'must be one of rtmp, rtsp, srt, http-flv, flv, hls',
});

/** Parses `input` with `schema` or throws a ValidationError naming each parameter and rule. */
function check<T>(what: string, schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(`invalid ${what} request`, zodIssues(result.error));
}

/** Drops undefined values and turns the rest into wire strings. */
function toWire(params: Record<string, string | number | readonly string[] | undefined>): WireParams {
  const wire: WireParams = {};
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    wire[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return wire;
}

function addIssue(ctx: z.core.$RefinementCtx, path: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [path], message });
}

// ---- Live -----------------------------------------------------------------------------------

const ListRelaySchema = z.object({
  Region: liveRegion,
  TaskId: taskId.optional(),
  TaskName: text.optional(),
  DstUrl: z.string().max(MAX_URL, `must be at most ${MAX_URL} characters`).optional(),
  PageNumber: pageNumber,
  PageSize: pageSize,
});

export function buildListRelayTasksRequest(params: ListRelayTasksParams, page: number): WireParams {
  return toWire(
    check('DescribeLivePullToPushList', ListRelaySchema, {
      Region: params.region,
      TaskId: params.taskId,
      TaskName: params.taskName,
      DstUrl: params.dstUrl,
      PageNumber: page,
      PageSize: params.pageSize ?? 100,
    }),
  );
}

const TaskRefSchema = z.object({ Region: liveRegion, TaskId: taskId });

export function buildTaskRefRequest(action: string, params: TaskRef): WireParams {
  return toWire(check(action, TaskRefSchema, { Region: params.region, TaskId: params.taskId }));
}

const createSchema = (now: number) =>
  z
    .object({
      Region: liveRegion,
      TaskName: text.optional(),
      StartTime: utcTime,
      EndTime: utcTime,
      SourceType: z.enum(['live', 'vod', 'url'], { error: 'must be live, vod or url' }),
      SourceProtocol: sourceProtocol.optional(),
      SourceUrls: z.array(sourceUrl).min(1, 'must hold at least one URL'),
      DstUrl: rtmpUrl,
      CallbackUrl: callbackUrl.optional(),
      RetryCount: retryCount.optional(),
      RetryInterval: retryInterval.optional(),
      RepeatNumber: repeatNumber.optional(),
      Offset: offset.optional(),
      FileIndex: fileIndex.optional(),
    })
    .superRefine((value, ctx) => {
      const start = Date.parse(value.StartTime);
      const end = Date.parse(value.EndTime);
      if (end <= start) addIssue(ctx, 'EndTime', 'must be later than StartTime');
      if (end <= now) addIssue(ctx, 'EndTime', 'must be in the future');
      if (value.SourceType === 'live') {
        if (value.SourceUrls.length !== 1) {
          addIssue(ctx, 'SourceUrls', 'must hold exactly one URL for SourceType live');
        }
        if (value.Offset !== undefined) addIssue(ctx, 'Offset', 'applies only to SourceType vod or url');
        if (value.RepeatNumber !== undefined) {
          addIssue(ctx, 'RepeatNumber', 'applies only to SourceType vod or url');
        }
        if (value.FileIndex !== undefined)
          addIssue(ctx, 'FileIndex', 'applies only to SourceType vod or url');
      } else {
        if (value.SourceUrls.length > 30) {
          addIssue(ctx, 'SourceUrls', 'must hold at most 30 entries for SourceType vod or url');
        }
        if (value.SourceProtocol !== undefined) {
          addIssue(ctx, 'SourceProtocol', 'applies only to SourceType live');
        }
        if (value.FileIndex !== undefined && value.FileIndex >= value.SourceUrls.length) {
          addIssue(ctx, 'FileIndex', `must be below the number of SourceUrls (${value.SourceUrls.length})`);
        }
      }
    });

export function buildCreateRelayTaskRequest(params: CreateRelayTaskParams, now: number): WireParams {
  return toWire(
    check('CreateLivePullToPush', createSchema(now), {
      Region: params.region,
      TaskName: params.taskName,
      StartTime: params.startTime,
      EndTime: params.endTime,
      SourceType: params.sourceType,
      SourceProtocol: params.sourceProtocol,
      SourceUrls: params.sourceUrls,
      DstUrl: params.dstUrl,
      CallbackUrl: params.callbackUrl,
      RetryCount: params.retryCount,
      RetryInterval: params.retryInterval,
      RepeatNumber: params.repeatNumber,
      Offset: params.offset,
      FileIndex: params.fileIndex,
    }),
  );
}

const updateSchema = (now: number) =>
  z
    .object({
      Region: liveRegion,
      TaskId: taskId,
      StartTime: utcTime.optional(),
      EndTime: utcTime.optional(),
      // The source type is not known here: allow the larger (vod/url) bound of 30.
      SourceUrls: z
        .array(sourceUrl)
        .min(1, 'must hold at least one URL')
        .max(30, 'must hold at most 30 entries')
        .optional(),
      RepeatNumber: repeatNumber.optional(),
      Offset: offset.optional(),
      FileIndex: fileIndex.optional(),
      CallbackUrl: callbackUrl.optional(),
    })
    .superRefine((value, ctx) => {
      if (value.EndTime !== undefined) {
        const end = Date.parse(value.EndTime);
        if (end <= now) addIssue(ctx, 'EndTime', 'must be in the future');
        if (value.StartTime !== undefined && end <= Date.parse(value.StartTime)) {
          addIssue(ctx, 'EndTime', 'must be later than StartTime');
        }
      }
      const changes = Object.keys(value).filter((key) => key !== 'Region' && key !== 'TaskId');
      if (changes.length === 0) addIssue(ctx, 'TaskId', 'an update must change at least one parameter');
    });

export function buildUpdateRelayTaskRequest(params: UpdateRelayTaskParams, now: number): WireParams {
  const input: Record<string, unknown> = {
    Region: params.region,
    TaskId: params.taskId,
    StartTime: params.startTime,
    EndTime: params.endTime,
    SourceUrls: params.sourceUrls,
    RepeatNumber: params.repeatNumber,
    Offset: params.offset,
    FileIndex: params.fileIndex,
    CallbackUrl: params.callbackUrl,
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return toWire(check('UpdateLivePullToPush', updateSchema(now), input));
}

// ---- ICE ------------------------------------------------------------------------------------

const ListRecordSchema = z
  .object({
    Region: iceRegion,
    Keyword: text.optional(),
    Status: z
      .enum(['initial', 'started', 'paused'], { error: 'must be initial, started or paused' })
      .optional(),
    StartTime: utcTime.optional(),
    EndTime: utcTime.optional(),
    PageNo: pageNumber,
    PageSize: pageSize,
  })
  .superRefine((value, ctx) => {
    if (value.StartTime !== undefined && value.EndTime !== undefined) {
      const span = Date.parse(value.EndTime) - Date.parse(value.StartTime);
      if (span < 0) addIssue(ctx, 'EndTime', 'must not be earlier than StartTime');
      if (span > THIRTY_DAYS_MS) addIssue(ctx, 'EndTime', 'must be at most 30 days after StartTime');
    }
  });

/**
 * ICE is regional by endpoint; the region also travels as the common `RegionId` parameter, which
 * RPC gateways accept on every action (and which tells a single local emulator which region is meant).
 */
export function buildListRecordJobsRequest(params: ListRecordJobsParams, page: number): WireParams {
  return toIceWire(
    check('ListLiveRecordJobs', ListRecordSchema, {
      ...icePaging(params, page),
      Keyword: params.keyword,
      Status: params.status,
      StartTime: params.startTime,
      EndTime: params.endTime,
    }),
  );
}

/** The region and page fields both ICE listings take (PageNo, not the relay list's PageNumber). */
function icePaging(params: { region: string; pageSize?: number | undefined }, page: number) {
  return { Region: params.region, PageNo: page, PageSize: params.pageSize ?? 100 };
}

/** An ICE request carries its region as the common `RegionId` parameter (see above). */
function toIceWire({ Region, ...wire }: { Region: string } & Parameters<typeof toWire>[0]): WireParams {
  return toWire({ RegionId: Region, ...wire });
}

const ListTranscodeSchema = z.object({
  Region: iceRegion,
  // Capital W: the transcode action spells it KeyWord, unlike record's Keyword.
  KeyWord: text.optional(),
  Status: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' }).optional(),
  PageNo: pageNumber,
  PageSize: pageSize,
});

export function buildListTranscodeJobsRequest(params: ListTranscodeJobsParams, page: number): WireParams {
  return toIceWire(
    check('ListLiveTranscodeJobs', ListTranscodeSchema, {
      ...icePaging(params, page),
      KeyWord: params.keyword,
      Status: params.status,
    }),
  );
}

const JobRefSchema = z.object({ Region: iceRegion, JobId: text.min(1, 'is required') });

/** GetLiveRecordJob / GetLiveTranscodeJob: `JobId`, with the region as `RegionId` (see above). */
export function buildJobRefRequest(action: string, params: { region: string; jobId: string }): WireParams {
  return toIceWire(check(action, JobRefSchema, { Region: params.region, JobId: params.jobId }));
}
