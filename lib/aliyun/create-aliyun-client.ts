import type { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config/config.js';
import { AliyunApiError } from '../errors.js';
import type { RecordJob, TranscodeJob } from '../events/resources.js';
import { type Logger, silentLogger } from '../log.js';
import type { Credentials } from '../ports/credentials.js';
import { ACTIONS, type ActionName } from './actions.js';
import type { AliyunClient, ApiCallStats, JobRef, TaskRef } from './api.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './compute-backoff.js';
import { endpointOf } from './endpoint-of.js';
import { getOpenApiClient } from './get-openapi-client.js';
import { LISTINGS, lazily, pagesOf, uniqueItems } from './list-pages.js';
import type { RateLimiter } from './rate-limiter.js';
import {
  buildCreateRelayTaskRequest,
  buildJobRefRequest,
  buildTaskRefRequest,
  buildUpdateRelayTaskRequest,
  type WireParams,
} from './request-schemas.js';
import {
  mapRecordJob,
  mapRelayTask,
  mapTranscodeJob,
  RecordJobResponseSchema,
  RelayDescribeResponseSchema,
  RelayTaskIdResponseSchema,
  RetOnlyResponseSchema,
  TranscodeJobResponseSchema,
} from './response-schemas.js';
import { type CallCounters, type RetryContext, retryCall } from './retry-call.js';
import { sendAttempt } from './send-attempt.js';

/** The settings the client reads (a full `Config` fits). */
export type AliyunClientSettings = Pick<
  Config,
  | 'LIVEWATCH_LIVE_ENDPOINT'
  | 'LIVEWATCH_ICE_ENDPOINT'
  | 'LIVEWATCH_API_PROTOCOL'
  | 'LIVEWATCH_API_SIGNATURE'
  | 'LIVEWATCH_API_TIMEOUT_MS'
  | 'LIVEWATCH_API_DEADLINE_MS'
  | 'LIVEWATCH_API_QPS'
>;

export interface AliyunClientDeps {
  readonly config: AliyunClientSettings;
  /** From settings, or the FC invocation context's STS token (taken fresh per invocation). */
  readonly credentials: Credentials;
  /**
   * Scope of the rate limit (the documented limit is per account). Pass the FC context's account id
   * (or LIVEWATCH_ACCOUNT_ID): with STS the AccessKey id changes with every token. Defaults to the
   * AccessKey id, which is right for a long-lived key.
   */
  readonly accountId?: string;
  readonly limiter: RateLimiter;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Source of randomness for the backoff jitter (tests pass a fixed one). */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** List pages in flight at once (default: LIVEWATCH_API_QPS, at most 20). */
  readonly concurrency?: number;
}

/**
 * Builds the AliyunClient for one invocation. Cheap: the SDK client behind it is cached per
 * credentials and endpoint. Every call: validates its request (ValidationError, nothing sent),
 * waits for the rate limiter under `<account>:<action>`, sends with an explicit timeout, resends
 * per the action's send rule (`retry-call.ts`: reads after any transient failure, mutations only
 * when the service surely did not act) under the overall deadline, and maps the response to the
 * normalised types.
 *
 * @example
 * const client = createAliyunClient({
 *   config, credentials: { accessKeyId, accessKeySecret }, accountId,
 *   limiter: createMemoryRateLimiter({ ...rateLimitOf(config), clock: systemClock }),
 * });
 * for await (const task of client.listRelayTasks({ region: 'cn-shanghai' })) console.log(task.state);
 */
// Longer than ~80 lines on purpose: it is the method table of the port, one short entry per API
// action over the shared `call`; the retry loop (retry-call.ts), the sending (send-attempt.ts) and the
// pager (list-pages.ts) live in their own modules, and splitting the table would scatter one port.
export function createAliyunClient(deps: AliyunClientDeps): AliyunClient {
  const { config, credentials } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLogger;
  const protocol = config.LIVEWATCH_API_PROTOCOL;
  const signature = config.LIVEWATCH_API_SIGNATURE;
  const counters: CallCounters = {
    requests: 0,
    retries: 0,
    throttled: 0,
    failures: 0,
    throttledByAction: {},
  };
  const byAction: Record<string, number> = {};
  const retry: RetryContext = {
    clock,
    log,
    random: deps.random ?? Math.random,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    limiter: deps.limiter,
    accountId: deps.accountId ?? credentials.accessKeyId,
    deadlineMs: config.LIVEWATCH_API_DEADLINE_MS,
    timeoutMs: config.LIVEWATCH_API_TIMEOUT_MS,
    counters,
  };

  /** One logical call: limiter, request, resends per the send rule; then the checked body. */
  const call = async <S extends z.ZodType>(
    name: ActionName,
    params: WireParams,
    region: string,
    schema: S,
  ): Promise<z.infer<S>> => {
    const spec = ACTIONS[name];
    if (spec.mutating)
      log.info('aliyun mutating call', { action: spec.action, region, taskId: params.TaskId });
    const api = getOpenApiClient({
      credentials,
      endpoint: endpointOf(config, spec.product, region),
      protocol,
      signature,
    });
    const body = await retryCall(retry, name, spec, (timeoutMs, attempt) => {
      counters.requests += 1;
      byAction[spec.action] = (byAction[spec.action] ?? 0) + 1;
      return sendAttempt({ api, spec, params, protocol, signature }, timeoutMs, attempt, { clock, log });
    });
    return parseBody(spec.action, schema, body, counters);
  };

  const pager = {
    concurrency: deps.concurrency ?? Math.min(config.LIVEWATCH_API_QPS, 20),
    fetch: (name: ActionName, wire: WireParams, region: string, schema: z.ZodType) =>
      call(name, wire, region, schema),
  };
  const taskRef = (name: ActionName, params: TaskRef) =>
    call(name, buildTaskRefRequest(ACTIONS[name].action, params), params.region, RelayTaskIdResponseSchema);
  const jobRef = <S extends z.ZodType>(name: ActionName, params: JobRef, schema: S) =>
    call(name, buildJobRefRequest(ACTIONS[name].action, params), params.region, schema);

  return {
    listRelayTaskPages: (params) => lazily(() => pagesOf(pager, LISTINGS.relay, params)),
    listRelayTasks: (params) =>
      lazily(() => uniqueItems(pagesOf(pager, LISTINGS.relay, params), (task) => task.taskId)),
    listRecordJobPages: (params) => lazily(() => pagesOf(pager, LISTINGS.record, params)),
    listRecordJobs: (params) =>
      lazily(() => uniqueItems(pagesOf(pager, LISTINGS.record, params), (job) => job.jobId)),
    listTranscodeJobPages: (params) => lazily(() => pagesOf(pager, LISTINGS.transcode, params)),
    listTranscodeJobs: (params) =>
      lazily(() => uniqueItems(pagesOf(pager, LISTINGS.transcode, params), (job) => job.jobId)),

    async describeRelayTask(params) {
      const spec = ACTIONS.describeRelayTask;
      const wire = buildTaskRefRequest(spec.action, params);
      const body = await call('describeRelayTask', wire, params.region, RelayDescribeResponseSchema);
      // The task asked for, even if the body leaves its TaskId out.
      return mapRelayTask(body, params.region, body.TaskId ?? body.TaskInfo?.TaskId ?? params.taskId);
    },
    async getRecordJob(params): Promise<RecordJob> {
      const body = await jobRef('getRecordJob', params, RecordJobResponseSchema);
      return mapRecordJob(body.RecordJob, params.region);
    },
    async getTranscodeJob(params): Promise<TranscodeJob> {
      const body = await jobRef('getTranscodeJob', params, TranscodeJobResponseSchema);
      return mapTranscodeJob(body.Job, params.region);
    },
    async updateRelayTask(params) {
      const wire = buildUpdateRelayTaskRequest(params, clock.now());
      await call('updateRelayTask', wire, params.region, RetOnlyResponseSchema);
    },
    async restartRelayTask(params) {
      const body = await taskRef('restartRelayTask', params);
      return { taskId: body.TaskId ?? params.taskId };
    },
    async stopRelayTask(params) {
      await taskRef('stopRelayTask', params);
    },
    async createRelayTask(params) {
      const wire = buildCreateRelayTaskRequest(params, clock.now());
      const body = await call('createRelayTask', wire, params.region, RelayTaskIdResponseSchema);
      if (body.TaskId === undefined) {
        counters.failures += 1;
        throw new AliyunApiError(`${ACTIONS.createRelayTask.action}: the response carries no TaskId`, {
          action: ACTIONS.createRelayTask.action,
          code: 'InvalidResponse',
          requestId: body.RequestId,
          retryable: false,
        });
      }
      return { taskId: body.TaskId };
    },
    async deleteRelayTask(params) {
      await taskRef('deleteRelayTask', params);
    },
    stats(): ApiCallStats {
      return { ...counters, byAction: { ...byAction }, throttledByAction: { ...counters.throttledByAction } };
    },
  };
}

/** Checks the body's shape and its RetCode (a non-zero RetCode is a failure inside HTTP 200). */
function parseBody<S extends z.ZodType>(
  action: string,
  schema: S,
  body: unknown,
  counters: CallCounters,
): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    counters.failures += 1;
    throw new AliyunApiError(`${action}: unexpected response shape (${result.error.issues[0]?.message})`, {
      action,
      code: 'InvalidResponse',
      retryable: false,
      cause: result.error,
    });
  }
  const ret = result.data as { RetCode?: number; Description?: string; RequestId?: string };
  if (ret.RetCode !== undefined && ret.RetCode !== 0) {
    counters.failures += 1;
    throw new AliyunApiError(`${action} failed: RetCode ${ret.RetCode} ${ret.Description ?? ''}`.trim(), {
      action,
      code: `RetCode.${ret.RetCode}`,
      requestId: ret.RequestId,
      retryable: false,
    });
  }
  return result.data;
}
