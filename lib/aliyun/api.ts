import type { RecordJob, RelayTask, TranscodeJob } from '../events/resources.js';

/**
 * The typed surface of every Alibaba Cloud call livewatch makes. The implementation
 * (`create-aliyun-client.ts`) validates each request against the documented constraints before
 * it leaves the process, passes the shared rate limiter, retries transient failures under a
 * deadline, and maps responses (tolerating unknown fields) to the normalised resource types.
 * Failures reject with `AliyunApiError` (or `ValidationError` for a request that breaks a rule).
 */
export interface AliyunClient {
  /** Every relay task in a live center; pages after the first are fetched concurrently within the rate limit. */
  listRelayTasks(params: ListRelayTasksParams): AsyncIterable<RelayTask>;
  /** Page by page, from `fromPage` (default 1), for sweeps that continue from a cursor. */
  listRelayTaskPages(params: ListRelayTasksParams & PageWalk): AsyncIterable<Page<RelayTask>>;
  /** Rejects with AliyunApiError code `CodeTaskNotExist` when the task is gone. */
  describeRelayTask(params: TaskRef): Promise<RelayTask>;
  updateRelayTask(params: UpdateRelayTaskParams): Promise<void>;
  /** Returns the TaskId the API reports, which may differ from the request's ("the new task"). */
  restartRelayTask(params: TaskRef): Promise<{ readonly taskId: string }>;
  stopRelayTask(params: TaskRef): Promise<void>;
  createRelayTask(params: CreateRelayTaskParams): Promise<{ readonly taskId: string }>;
  deleteRelayTask(params: TaskRef): Promise<void>;

  listRecordJobs(params: ListRecordJobsParams): AsyncIterable<RecordJob>;
  listRecordJobPages(params: ListRecordJobsParams & PageWalk): AsyncIterable<Page<RecordJob>>;
  /**
   * One job by id (GetLiveRecordJob / GetLiveTranscodeJob): the only proof that a job missing from a
   * listing is gone, since a listing may apply a time window. Rejects with AliyunApiError, code
   * `InvalidParameter.ResourceNotFound` (see `isJobNotFound`), when it does not exist.
   */
  getRecordJob(params: JobRef): Promise<RecordJob>;
  getTranscodeJob(params: JobRef): Promise<TranscodeJob>;
  listTranscodeJobs(params: ListTranscodeJobsParams): AsyncIterable<TranscodeJob>;
  listTranscodeJobPages(params: ListTranscodeJobsParams & PageWalk): AsyncIterable<Page<TranscodeJob>>;

  /** Counters since the client was created (for sweep reports and benchmarks). */
  stats(): ApiCallStats;
}

/** Where a page-by-page listing starts, and what may end it early (a sweep's budget). */
export interface PageWalk {
  readonly fromPage?: number;
  /** Asked before each page's call starts; false ends the listing after the pages already requested. */
  readonly mayFetch?: () => boolean;
}

export interface TaskRef {
  readonly region: string;
  readonly taskId: string;
}

export interface JobRef {
  readonly region: string;
  readonly jobId: string;
}

export interface Page<T> {
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly total: number;
  readonly items: readonly T[];
}

export interface ListRelayTasksParams {
  readonly region: string;
  /** Fuzzy filters, as the API offers them. */
  readonly taskId?: string;
  readonly taskName?: string;
  readonly dstUrl?: string;
  /** 1–100; default 100 (fewest calls). */
  readonly pageSize?: number;
}

/** The relay task fields UpdateLivePullToPush can change, as the task carries them (RelayTask). */
export type UpdateRelayTaskParams = TaskRef &
  Partial<
    Pick<
      RelayTask,
      'startTime' | 'endTime' | 'sourceUrls' | 'repeatNumber' | 'offset' | 'fileIndex' | 'callbackUrl'
    >
  >;

/**
 * A new relay task's settings: the task's own fields (RelayTask), with those AddLivePullToPush
 * requires made required and its name under the request's `taskName`.
 */
export type CreateRelayTaskParams = Pick<
  RelayTask,
  | 'region'
  | 'sourceProtocol'
  | 'sourceUrls'
  | 'callbackUrl'
  | 'retryCount'
  | 'retryInterval'
  | 'repeatNumber'
  | 'offset'
  | 'fileIndex'
> & {
  readonly taskName?: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly sourceType: 'live' | 'vod' | 'url';
  readonly dstUrl: string;
};

export interface ListRecordJobsParams {
  readonly region: string;
  readonly keyword?: string;
  readonly status?: 'initial' | 'started' | 'paused';
  /** UTC; the range may not exceed 30 days. */
  readonly startTime?: string;
  readonly endTime?: string;
  readonly pageSize?: number;
}

export interface ListTranscodeJobsParams {
  readonly region: string;
  readonly keyword?: string;
  readonly status?: 0 | 1 | 2;
  readonly pageSize?: number;
}

export interface ApiCallStats {
  /** HTTP requests sent (including retries). */
  readonly requests: number;
  readonly retries: number;
  /** Responses that were throttling errors. */
  readonly throttled: number;
  /** Calls that finally failed. */
  readonly failures: number;
  readonly byAction: Readonly<Record<string, number>>;
  /** Throttling responses per action (for the `/metrics` endpoint). */
  readonly throttledByAction?: Readonly<Record<string, number>>;
}
