import { apiErrors } from './api-error.js';
import {
  type EmulatedRecordJob,
  type EmulatedTranscodeJob,
  type IceJobs,
  jobView,
  type RecordStatus,
} from './ice-jobs.js';
import {
  optionalEnum,
  optionalInt,
  optionalJsonObject,
  optionalString,
  optionalUtcTime,
  type Params,
  requiredString,
  stringField,
} from './param-rules.js';
import { formatUtcSeconds, parseUtcSeconds } from './signature.js';

/** The ICE (2020-11-09) live record / transcode actions livewatch uses. */
export const ICE_VERSION = '2020-11-09';

export interface IceContext {
  readonly jobs: IceJobs;
  readonly now: number;
  /** The ICE region of the call (RegionId, or the `ice.<region>.` host); all regions when unknown. */
  readonly region: string | undefined;
  readonly newJobId: () => string;
  /** The `iceListWindowDays` reading: a list without StartTime/EndTime covers only this many days (0: all). */
  readonly listWindowDays?: number;
}

export type IceHandler = (params: Params, ctx: IceContext) => Record<string, unknown>;
type Handler = IceHandler;

const THIRTY_DAYS_MS = 30 * 86_400_000;
const SEVEN_DAYS_MS = 7 * 86_400_000;

interface Listing {
  readonly region: string | undefined;
  readonly keyword: string | undefined;
  readonly windowStart: number | undefined;
}

/** Both listings filter alike on the region, a keyword (the id, or part of the name) and the default window. */
function isListed(
  job: { readonly region: string; readonly jobId: string; readonly name: string; readonly createdAt: number },
  { region, keyword, windowStart }: Listing,
): boolean {
  return (
    (region === undefined || job.region === region) &&
    (keyword === undefined || job.jobId === keyword || job.name.includes(keyword)) &&
    (windowStart === undefined || job.createdAt >= windowStart)
  );
}

function sortByCreation<T extends { createdAt: number }>(jobs: T[], sortBy: 'asc' | 'desc'): T[] {
  return jobs.sort((a, b) => (sortBy === 'asc' ? a.createdAt - b.createdAt : b.createdAt - a.createdAt));
}

function paging(params: Params): { pageNo: number; pageSize: number; sortBy: 'asc' | 'desc' } {
  return {
    pageNo: optionalInt(params, 'PageNo', { min: 1 }) ?? 1,
    pageSize: optionalInt(params, 'PageSize', { min: 1, max: 100 }) ?? 10,
    sortBy: optionalEnum(params, 'SortBy', ['asc', 'desc'] as const) ?? 'desc',
  };
}

/** The creation-time window a list applies when the call names none (the `iceListWindowDays` reading). */
function defaultWindowStart(params: Params, ctx: IceContext): number | undefined {
  if (!ctx.listWindowDays || params.has('StartTime') || params.has('EndTime')) return undefined;
  return ctx.now - ctx.listWindowDays * 86_400_000;
}

const listRecordJobs: Handler = (params, ctx) => {
  const keyword = optionalString(params, 'Keyword');
  const status = optionalEnum<RecordStatus>(params, 'Status', ['initial', 'started', 'paused']);
  const startAt = optionalUtcTime(params, 'StartTime');
  const endAt = optionalUtcTime(params, 'EndTime');
  if (startAt !== undefined && endAt !== undefined) {
    if (endAt < startAt) throw apiErrors.invalidParameter('EndTime must not be earlier than StartTime.');
    if (endAt - startAt > THIRTY_DAYS_MS) {
      throw apiErrors.invalidParameter('The range between StartTime and EndTime cannot exceed 30 days.');
    }
  }
  const inRange = (job: EmulatedRecordJob) =>
    (startAt === undefined || job.createdAt >= startAt) && (endAt === undefined || job.createdAt <= endAt);
  const page = listedPage(
    params,
    ctx,
    ctx.jobs.records.values(),
    keyword,
    (job) => (status === undefined || job.status === status) && inRange(job),
  );
  return {
    TotalCount: page.total,
    PageNo: page.pageNo,
    PageSize: page.pageSize,
    SortBy: page.sortBy,
    LiveRecordJobs: page.views,
  };
};

const listTranscodeJobs: Handler = (params, ctx) => {
  const keyword = optionalString(params, 'KeyWord');
  const status = optionalInt(params, 'Status', { min: 0, max: 2 });
  const startMode = optionalInt(params, 'StartMode', { min: 0, max: 1 });
  const type = optionalEnum(params, 'Type', ['normal', 'narrow-band', 'audio-only', 'origin'] as const);
  const matches = (job: EmulatedTranscodeJob) =>
    (status === undefined || job.status === status) &&
    (startMode === undefined || job.startMode === startMode) &&
    (type === undefined || job.templateType === type);
  const page = listedPage(params, ctx, ctx.jobs.transcodes.values(), keyword, matches);
  // Only the fields the ListLiveTranscodeJobs page lists: no PageNo/PageSize echo (unlike records).
  return { TotalCount: page.total, JobList: page.views };
};

/**
 * The page a listing's paging asks for (read after the action's own filters, as the service checks
 * them): the jobs both listings list alike (`isListed`) that also pass the action's `filter`, sorted
 * by creation time, with the count of all that match.
 */
function listedPage<J extends EmulatedRecordJob | EmulatedTranscodeJob>(
  params: Params,
  ctx: IceContext,
  all: Iterable<J>,
  keyword: string | undefined,
  filter: (job: J) => boolean,
) {
  const listing = { region: ctx.region, keyword, windowStart: defaultWindowStart(params, ctx) };
  const { pageNo, pageSize, sortBy } = paging(params);
  const matching = sortByCreation(
    [...all].filter((job) => isListed(job, listing) && filter(job)),
    sortBy,
  );
  const views = matching
    .slice((pageNo - 1) * pageSize, pageNo * pageSize)
    .map((job) => jobView(job, formatUtcSeconds));
  return { total: matching.length, pageNo, pageSize, sortBy, views };
}

const submitRecordJob: Handler = (params, { jobs, now, region, newJobId }) => {
  const name = requiredString(params, 'Name');
  const streamInput = optionalJsonObject(params, 'StreamInput');
  if (streamInput === undefined) throw apiErrors.missingParameter('StreamInput');
  if (streamInput.Type !== 'rtmp') throw apiErrors.invalidParameter('StreamInput.Type must be "rtmp".');
  const recordOutput = optionalJsonObject(params, 'RecordOutput');
  if (recordOutput === undefined) throw apiErrors.missingParameter('RecordOutput');
  const outputType = recordOutput.Type;
  if (outputType !== 'oss' && outputType !== 'vod') {
    throw apiErrors.invalidParameter('RecordOutput.Type must be "oss" or "vod".');
  }
  const job: EmulatedRecordJob = {
    jobId: newJobId(),
    region: region ?? 'cn-shanghai',
    name,
    status: 'started',
    createdAt: now,
    notifyUrl: optionalString(params, 'NotifyUrl') ?? '',
    templateId: requiredString(params, 'TemplateId'),
    templateName: 'emulated record template',
    streamUrl: stringField(streamInput, 'Url', 'StreamInput'),
    output: {
      type: outputType,
      bucket: typeof recordOutput.Bucket === 'string' ? recordOutput.Bucket : '',
      endpoint: typeof recordOutput.Endpoint === 'string' ? recordOutput.Endpoint : '',
    },
    failingSince: undefined,
  };
  jobs.records.set(job.jobId, job);
  jobs.evaluate(now);
  return { JobId: job.jobId };
};

const submitTranscodeJob: Handler = (params, { jobs, now, region, newJobId }) => {
  const name = requiredString(params, 'Name');
  const startMode = optionalInt(params, 'StartMode', { min: 0, max: 1 });
  if (startMode === undefined) throw apiErrors.missingParameter('StartMode');
  const streamInput = optionalJsonObject(params, 'StreamInput');
  if (streamInput === undefined) throw apiErrors.missingParameter('StreamInput');
  const inputUrl = stringField(streamInput, 'InputUrl', 'StreamInput');
  const output = optionalJsonObject(params, 'TranscodeOutput');
  if (output === undefined) throw apiErrors.missingParameter('TranscodeOutput');
  const domain = stringField(output, 'DomainName', 'TranscodeOutput');
  const templateId = requiredString(params, 'TemplateId');
  let timedStartAt: number | undefined;
  let timedEndAt: number | undefined;
  const timed = optionalJsonObject(params, 'TimedConfig');
  if (startMode === 1) {
    if (timed === undefined) throw apiErrors.missingParameter('TimedConfig');
    timedStartAt = parseUtcSeconds(stringField(timed, 'StartTime', 'TimedConfig'));
    timedEndAt = parseUtcSeconds(stringField(timed, 'EndTime', 'TimedConfig'));
    if (timedStartAt === undefined || timedEndAt === undefined) {
      throw apiErrors.invalidParameter('TimedConfig times must be UTC yyyy-MM-ddTHH:mm:ssZ.');
    }
    if (timedEndAt <= timedStartAt)
      throw apiErrors.illegalDuration('TimedConfig.EndTime must be after StartTime.');
    if (timedStartAt > now + SEVEN_DAYS_MS || timedEndAt > now + SEVEN_DAYS_MS) {
      throw apiErrors.invalidParameter('TimedConfig times must be within 7 days of now.');
    }
  }
  const path = (() => {
    try {
      return new URL(inputUrl).pathname;
    } catch {
      // Not a URL: use the text as the stream path.
      return `/${inputUrl}`;
    }
  })();
  const job: EmulatedTranscodeJob = {
    jobId: newJobId(),
    region: region ?? 'cn-shanghai',
    name,
    status: startMode === 0 ? 1 : 0,
    startMode: startMode === 1 ? 1 : 0,
    createdAt: now,
    templateId,
    templateName: 'emulated transcode template',
    templateType: 'normal',
    inputUrl,
    outputUrls: [`rtmp://${domain}${path}_transcoded`],
    timedStartAt,
    timedEndAt,
  };
  jobs.transcodes.set(job.jobId, job);
  jobs.evaluate(now);
  return { JobId: job.jobId };
};

function findTranscode(jobs: IceJobs, params: Params): EmulatedTranscodeJob {
  const jobId = requiredString(params, 'JobId');
  const job = jobs.transcodes.get(jobId);
  if (job === undefined) throw apiErrors.jobNotExist(jobId);
  return job;
}

const sendTranscodeCommand: Handler = (params, { jobs }) => {
  const command = requiredString(params, 'Command');
  if (command !== 'stop') throw apiErrors.invalidParameter('Command must be "stop".');
  const job = findTranscode(jobs, params);
  job.status = 2;
  return {};
};

const getTranscodeJob: Handler = (params, { jobs }) => ({
  Job: jobView(findTranscode(jobs, params), formatUtcSeconds),
});

const deleteTranscodeJob: Handler = (params, { jobs }) => {
  const job = findTranscode(jobs, params);
  jobs.transcodes.delete(job.jobId);
  return {};
};

const getRecordJob: Handler = (params, { jobs }) => {
  const jobId = requiredString(params, 'JobId');
  const job = jobs.records.get(jobId);
  if (job === undefined) throw apiErrors.jobNotExist(jobId);
  return { RecordJob: jobView(job, formatUtcSeconds) };
};

export const ICE_ACTIONS: Readonly<Record<string, Handler>> = {
  ListLiveRecordJobs: listRecordJobs,
  ListLiveTranscodeJobs: listTranscodeJobs,
  SubmitLiveRecordJob: submitRecordJob,
  SubmitLiveTranscodeJob: submitTranscodeJob,
  SendLiveTranscodeJobCommand: sendTranscodeCommand,
  GetLiveRecordJob: getRecordJob,
  GetLiveTranscodeJob: getTranscodeJob,
  DeleteLiveTranscodeJob: deleteTranscodeJob,
};
