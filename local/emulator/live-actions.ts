import { apiErrors } from './api-error.js';
import {
  checkSourceUrlCount,
  checkUrlLength,
  optionalEnum,
  optionalInt,
  optionalSourceUrls,
  optionalString,
  optionalTaskIdFilter,
  optionalUtcTime,
  type Params,
  requiredRegion,
  requiredString,
  requiredUtcTime,
} from './param-rules.js';
import type { RelayEngine, TaskUpdate } from './relay-engine.js';
import { type SourceType, taskViewOf } from './relay-task.js';

/**
 * The pages give no upper bound for RetryCount; the emulator accepts what livewatch's client accepts
 * (docs/emulator.md, "Readings"). Kept here, not imported: the emulator models
 * the cloud and must not borrow livewatch's rules (test/unit/import-layers.test.ts).
 */
const RETRY_COUNT_MAX = 1_000;

/** The Live (2016-11-01) pull-to-push actions. Each returns the success body minus RequestId. */
export const LIVE_VERSION = '2016-11-01';

export interface LiveContext {
  readonly relays: RelayEngine;
  readonly now: number;
}

export type LiveHandler = (params: Params, ctx: LiveContext) => Record<string, unknown>;
type Handler = LiveHandler;

const OK = { RetCode: 0, Description: 'OK' } as const;
const SOURCE_PROTOCOLS = ['rtmp', 'rtsp', 'srt', 'http-flv', 'flv', 'hls'] as const;

function checkDstUrl(dstUrl: string): void {
  if (!/^rtmp:\/\/./i.test(dstUrl)) throw apiErrors.invalidParameter('DstUrl must be an rtmp:// URL.');
  checkUrlLength('DstUrl', dstUrl);
}

/** Only the length is checked: the page's own sample CallbackUrl is the scheme-less `hahaha.com`. */
function checkCallbackUrl(url: string): void {
  checkUrlLength('CallbackUrl', url);
  if (/\s/.test(url)) throw apiErrors.invalidParameter('CallbackUrl must not contain spaces.');
}

/** Offset is "seconds > 0" in the docs; the emulator enforces it as written. */
function optionalOffset(params: Params): number | undefined {
  return optionalInt(params, 'Offset', { min: 1 });
}

const create: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const startAt = requiredUtcTime(params, 'StartTime');
  const endAt = requiredUtcTime(params, 'EndTime');
  const sourceType = optionalEnum<SourceType>(params, 'SourceType', ['live', 'vod', 'url']);
  if (sourceType === undefined) throw apiErrors.missingParameter('SourceType');
  const sourceProtocol = optionalEnum(params, 'SourceProtocol', SOURCE_PROTOCOLS);
  const sourceUrls = optionalSourceUrls(params);
  if (sourceUrls === undefined) throw apiErrors.missingParameter('SourceUrls');
  checkSourceUrlCount(sourceType, sourceUrls);
  const dstUrl = requiredString(params, 'DstUrl');
  checkDstUrl(dstUrl);
  const callbackUrl = optionalString(params, 'CallbackUrl') ?? '';
  checkCallbackUrl(callbackUrl);
  const retryCount = optionalInt(params, 'RetryCount', { min: 0, max: RETRY_COUNT_MAX });
  const retryInterval = optionalInt(params, 'RetryInterval', { min: 60, max: 300 });
  const repeatNumber = optionalInt(params, 'RepeatNumber', { min: -1 });
  const offset = optionalOffset(params);
  const fileIndex = optionalInt(params, 'FileIndex', { min: 0 });
  if (sourceType === 'live' && (offset !== undefined || fileIndex !== undefined)) {
    throw apiErrors.invalidParameter('Offset and FileIndex apply to vod and url sources only.');
  }
  if (fileIndex !== undefined && fileIndex >= sourceUrls.length) {
    throw apiErrors.invalidParameter(`FileIndex ${fileIndex} is out of range (${sourceUrls.length} files).`);
  }
  if (endAt <= startAt) {
    throw apiErrors.illegalDuration('The value of start time should be less than the value of end time.');
  }
  if (endAt <= now) throw apiErrors.illegalDuration('The end time must be later than the current time.');

  const task = relays.add(
    {
      region,
      taskName: optionalString(params, 'TaskName') ?? '',
      startAt,
      endAt,
      sourceType,
      sourceProtocol,
      sourceUrls,
      dstUrl,
      callbackUrl,
      ...(retryCount === undefined ? {} : { retryCount }),
      ...(retryInterval === undefined ? {} : { retryInterval }),
      ...(repeatNumber === undefined ? {} : { repeatNumber }),
      offset,
      fileIndex,
      // A new task waits for StartTime; the engine starts it on the next evaluation.
      status: 0,
    },
    now,
  );
  relays.evaluate(now);
  return { ...OK, TaskId: task.taskId };
};

const describe: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const task = relays.find(region, requiredString(params, 'TaskId'));
  relays.refresh(task, now);
  return { ...OK, ...taskViewOf(task) };
};

const describeList: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const taskId = optionalTaskIdFilter(params);
  const taskName = optionalString(params, 'TaskName');
  const dstUrl = optionalString(params, 'DstUrl');
  const pageNumber = optionalInt(params, 'PageNumber', { min: 1 }) ?? 1;
  const pageSize = optionalInt(params, 'PageSize', { min: 1, max: 100 }) ?? 10;
  const matching = relays
    .all()
    .filter(
      (task) =>
        task.region === region &&
        (taskId === undefined || task.taskId.includes(taskId)) &&
        (taskName === undefined || task.taskName.includes(taskName)) &&
        (dstUrl === undefined || task.dstUrl.includes(dstUrl)),
    );
  const page = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  for (const task of page) relays.refresh(task, now);
  return {
    Total: matching.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    TaskList: page.map(taskViewOf),
  };
};

const update: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const taskId = requiredString(params, 'TaskId');
  // Region may change before the start, so the task is found by id alone and the engine decides.
  const task = relays.get(taskId);
  if (task === undefined) throw apiErrors.taskNotExist();
  const callbackUrl = params.get('CallbackUrl');
  if (callbackUrl !== undefined) checkCallbackUrl(callbackUrl);
  const startAt = optionalUtcTime(params, 'StartTime');
  const endAt = optionalUtcTime(params, 'EndTime');
  const sourceUrls = optionalSourceUrls(params);
  if (sourceUrls !== undefined) checkSourceUrlCount(task.sourceType, sourceUrls);
  const repeatNumber = optionalInt(params, 'RepeatNumber', { min: -1 });
  const offset = optionalOffset(params);
  const fileIndex = optionalInt(params, 'FileIndex', { min: 0 });
  const changes: TaskUpdate = {
    ...(region === task.region ? {} : { region }),
    ...(startAt === undefined ? {} : { startAt }),
    ...(endAt === undefined ? {} : { endAt }),
    ...(sourceUrls === undefined ? {} : { sourceUrls }),
    ...(repeatNumber === undefined ? {} : { repeatNumber }),
    ...(offset === undefined ? {} : { offset }),
    ...(fileIndex === undefined ? {} : { fileIndex }),
    // An empty CallbackUrl clears it (no more callbacks).
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
  };
  relays.update(task, changes, now);
  return { ...OK };
};

const restart: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const task = relays.find(region, requiredString(params, 'TaskId'));
  const taskId = relays.restart(task, now);
  return { TaskId: taskId };
};

const stop: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const task = relays.find(region, requiredString(params, 'TaskId'));
  relays.stop(task, now);
  return { TaskId: task.taskId };
};

const remove: Handler = (params, { relays, now }) => {
  const region = requiredRegion(params);
  const task = relays.find(region, requiredString(params, 'TaskId'));
  relays.delete(task, now);
  return { ...OK };
};

export const LIVE_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateLivePullToPush: create,
  DescribeLivePullToPush: describe,
  DescribeLivePullToPushList: describeList,
  UpdateLivePullToPush: update,
  RestartLivePullToPush: restart,
  StopLivePullToPush: stop,
  DeleteLivePullToPush: remove,
};

/** Actions that change state (recorded in `stats().mutations`). */
export const MUTATING_ACTIONS: ReadonlySet<string> = new Set([
  'CreateLivePullToPush',
  'UpdateLivePullToPush',
  'RestartLivePullToPush',
  'StopLivePullToPush',
  'DeleteLivePullToPush',
  'SubmitLiveRecordJob',
  'SubmitLiveTranscodeJob',
  'SendLiveTranscodeJobCommand',
  'DeleteLiveTranscodeJob',
]);
