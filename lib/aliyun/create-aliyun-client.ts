import { randomUUID } from 'node:crypto';
import { OpenApiRequest, Params } from '@alicloud/openapi-client';
import type { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config/config.js';
import { AliyunApiError } from '../errors.js';
import type { RecordJob, RelayTask, TranscodeJob } from '../events/resources.js';
import { type Logger, silentLogger } from '../log.js';
import type { Credentials } from '../ports/credentials.js';
import { ACTIONS, type ActionSpec } from './actions.js';
import type {
  AliyunClient,
  ApiCallStats,
  CreateRelayTaskParams,
  ListRecordJobsParams,
  ListRelayTasksParams,
  ListTranscodeJobsParams,
  Page,
  TaskRef,
  UpdateRelayTaskParams,
} from './api.js';
import { type BackoffPolicy, computeBackoffMs, DEFAULT_BACKOFF } from './compute-backoff.js';
import { endpointOf } from './endpoint-of.js';
import { getOpenApiClient } from './get-openapi-client.js';
import { takeResponse, watchResponse } from './observe-responses.js';
import { paginate } from './paginate.js';
import { type RateLimiter, type RatePermit, rateKeyOf } from './rate-limiter.js';
import {
  buildCreateRelayTaskRequest,
  buildListRecordJobsRequest,
  buildListRelayTasksRequest,
  buildListTranscodeJobsRequest,
  buildTaskRefRequest,
  buildUpdateRelayTaskRequest,
  type WireParams,
} from './request-schemas.js';
import {
  mapRelayTask,
  RecordListResponseSchema,
  RelayDescribeResponseSchema,
  RelayListResponseSchema,
  RelayTaskIdResponseSchema,
  RetOnlyResponseSchema,
  TranscodeListResponseSchema,
  toRecordPage,
  toRelayPage,
  toTranscodePage,
} from './response-schemas.js';
import { isThrottlingCode, translateSdkError } from './translate-sdk-error.js';

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

const DEADLINE_CODE = 'DeadlineExceeded';

/**
 * Builds the AliyunClient for one invocation. Cheap: the SDK client behind it is cached per
 * credentials and endpoint. Every call: validates its request (ValidationError, nothing sent),
 * waits for the rate limiter under `<account>:<action>`, sends with an explicit timeout, retries
 * throttling / 5xx / network errors / timeouts with full-jitter backoff under the overall deadline
 * (each retry passes the limiter again), and maps the response to the normalised types.
 *
 * @example
 * const client = createAliyunClient({
 *   config, credentials: { accessKeyId, accessKeySecret }, accountId,
 *   limiter: createMemoryRateLimiter({ ...rateLimitOf(config), clock: systemClock }),
 * });
 * for await (const task of client.listRelayTasks({ region: 'cn-shanghai' })) console.log(task.state);
 */
export function createAliyunClient(deps: AliyunClientDeps): AliyunClient {
  const { config, credentials, limiter } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLogger;
  const random = deps.random ?? Math.random;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const accountId = deps.accountId ?? credentials.accessKeyId;
  const concurrency = deps.concurrency ?? Math.min(config.LIVEWATCH_API_QPS, 20);
  const protocol = config.LIVEWATCH_API_PROTOCOL;
  const signature = config.LIVEWATCH_API_SIGNATURE;

  const counters = { requests: 0, retries: 0, throttled: 0, failures: 0 };
  const byAction: Record<string, number> = {};

  /** Waits for the limiter, but no later than the deadline. */
  const acquireBefore = async (
    spec: ActionSpec,
    deadline: number,
    lastError: AliyunApiError | undefined,
    attempts: number,
  ): Promise<RatePermit> => {
    const remaining = deadline - clock.now();
    // After a failed attempt the deadline is not the cause: report the failure that kept us retrying.
    const expired = (): AliyunApiError =>
      lastError
        ? gaveUp(lastError, attempts)
        : new AliyunApiError(
            `${spec.action}: the rate limiter could not admit the call within the ${config.LIVEWATCH_API_DEADLINE_MS} ms deadline`,
            { action: spec.action, code: DEADLINE_CODE, retryable: true },
          );
    if (remaining <= 0) throw expired();
    const timer = new AbortController();
    const cancelTimer = new AbortController();
    // The deadline runs on the injected clock, like every other wait.
    clock.sleep(remaining, cancelTimer.signal).then(
      () => timer.abort(),
      () => undefined,
    );
    try {
      return await limiter.acquire(rateKeyOf(accountId, spec.action), timer.signal);
    } catch (error) {
      if (timer.signal.aborted) throw expired();
      throw error;
    } finally {
      cancelTimer.abort();
    }
  };

  /** One logical call: limiter, request, retries. Resolves with the parsed JSON body. */
  const call = async (spec: ActionSpec, params: WireParams, region: string): Promise<unknown> => {
    const api = getOpenApiClient({
      credentials,
      endpoint: endpointOf(config, spec.product, region),
      protocol,
      signature,
    });
    const sdkParams = new Params({
      action: spec.action,
      version: spec.version,
      protocol: protocol.toUpperCase(),
      pathname: '/',
      method: spec.method,
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const deadline = clock.now() + config.LIVEWATCH_API_DEADLINE_MS;
    let lastError: AliyunApiError | undefined;
    // A failed attempt the server may still have carried out (5xx, timeout, reset).
    let mayHaveActed: AliyunApiError | undefined;
    for (let attempt = 0; ; attempt += 1) {
      let permit: RatePermit;
      try {
        permit = await acquireBefore(spec, deadline, lastError, attempt);
      } catch (error) {
        counters.failures += 1;
        throw error;
      }
      const timeoutMs = Math.max(1, Math.min(config.LIVEWATCH_API_TIMEOUT_MS, deadline - clock.now()));
      // Our own nonce lets observe-responses.ts find this request's status and headers.
      const nonce = randomUUID().replaceAll('-', '');
      const query: Record<string, string> = spec.paramsIn === 'query' ? { ...params } : {};
      if (signature === 'v1') query.SignatureNonce = nonce;
      const request = new OpenApiRequest({
        query,
        ...(spec.paramsIn === 'body' ? { body: params } : {}),
        ...(signature === 'v3' ? { headers: { 'x-acs-signature-nonce': nonce } } : {}),
      });
      counters.requests += 1;
      byAction[spec.action] = (byAction[spec.action] ?? 0) + 1;
      watchResponse(nonce);
      let error: AliyunApiError;
      let retryAfterMs = 0;
      const sentAt = clock.now();
      try {
        // The SDK types RuntimeOptions as a model class but only reads these plain fields (reference §5.1).
        const result = await api.callApi(sdkParams, request, {
          readTimeout: timeoutMs,
          connectTimeout: timeoutMs,
        } as Parameters<typeof api.callApi>[2]);
        takeResponse(nonce);
        log.debug('aliyun call', { action: spec.action, attempt: attempt + 1, ms: clock.now() - sentAt });
        return (result as { body?: unknown }).body;
      } catch (thrown) {
        const observed = takeResponse(nonce);
        error = translateSdkError(spec.action, thrown, observed);
        log.debug('aliyun call failed', {
          action: spec.action,
          attempt: attempt + 1,
          ms: clock.now() - sentAt,
          code: error.code,
          httpStatus: error.httpStatus,
        });
        // Honour the server's x-acs-retry-after when it sent one (it is at least as long as our backoff).
        retryAfterMs = observed?.retryAfterMs ?? 0;
      } finally {
        permit.release();
      }
      if (isThrottlingCode(error.code)) counters.throttled += 1;
      if (
        mayHaveActed !== undefined &&
        spec === ACTIONS.restartRelayTask &&
        error.code === 'CodeTaskNotExist'
      ) {
        // The earlier attempt most likely restarted the task under a new TaskId, which we never saw:
        // "no such task" would be a false "gone". Report the earlier failure, with the outcome unknown.
        counters.failures += 1;
        throw new AliyunApiError(
          `${spec.action}: outcome unknown: an attempt failed (${mayHaveActed.code}) and the retry answered CodeTaskNotExist, so the task may have been restarted under a new TaskId`,
          {
            action: spec.action,
            code: mayHaveActed.code,
            requestId: error.requestId,
            httpStatus: mayHaveActed.httpStatus,
            retryable: true,
            cause: error,
          },
        );
      }
      if (error.retryable && !surelyNotActedOn(error)) mayHaveActed = error;
      lastError = error;
      if (!error.retryable || (!spec.idempotent && !surelyNotActedOn(error))) {
        counters.failures += 1;
        throw error;
      }
      const delay = Math.max(computeBackoffMs(attempt, backoff, random), retryAfterMs);
      if (clock.now() + delay >= deadline) {
        counters.failures += 1;
        throw gaveUp(error, attempt + 1);
      }
      counters.retries += 1;
      log.warn('aliyun call failed, retrying', {
        action: spec.action,
        code: error.code,
        httpStatus: error.httpStatus,
        requestId: error.requestId,
        attempt: attempt + 1,
        delayMs: delay,
      });
      await clock.sleep(delay);
    }
  };

  const parse = <S extends z.ZodType>(action: string, schema: S, body: unknown): z.infer<S> => {
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
  };

  const relayPages = (params: ListRelayTasksParams & { readonly fromPage?: number }) => {
    const pageSize = params.pageSize ?? 100;
    const fromPage = params.fromPage ?? 1;
    // Validate before the first call, so a bad filter never reaches the API.
    buildListRelayTasksRequest(params, fromPage);
    return paginate<RelayTask>({
      fromPage,
      pageSize,
      concurrency,
      fetchPage: async (pageNumber) => {
        const spec = ACTIONS.listRelayTasks;
        const body = await call(spec, buildListRelayTasksRequest(params, pageNumber), params.region);
        return toRelayPage(parse(spec.action, RelayListResponseSchema, body), params.region, {
          pageNumber,
          pageSize,
        });
      },
    });
  };

  const recordPages = (params: ListRecordJobsParams & { readonly fromPage?: number }) => {
    const pageSize = params.pageSize ?? 100;
    const fromPage = params.fromPage ?? 1;
    buildListRecordJobsRequest(params, fromPage);
    return paginate<RecordJob>({
      fromPage,
      pageSize,
      concurrency,
      fetchPage: async (pageNumber) => {
        const spec = ACTIONS.listRecordJobs;
        const body = await call(spec, buildListRecordJobsRequest(params, pageNumber), params.region);
        return toRecordPage(parse(spec.action, RecordListResponseSchema, body), params.region, {
          pageNumber,
          pageSize,
        });
      },
    });
  };

  const transcodePages = (params: ListTranscodeJobsParams & { readonly fromPage?: number }) => {
    const pageSize = params.pageSize ?? 100;
    const fromPage = params.fromPage ?? 1;
    buildListTranscodeJobsRequest(params, fromPage);
    return paginate<TranscodeJob>({
      fromPage,
      pageSize,
      concurrency,
      fetchPage: async (pageNumber) => {
        const spec = ACTIONS.listTranscodeJobs;
        const body = await call(spec, buildListTranscodeJobsRequest(params, pageNumber), params.region);
        return toTranscodePage(parse(spec.action, TranscodeListResponseSchema, body), params.region, {
          pageNumber,
          pageSize,
        });
      },
    });
  };

  const mutate = async (
    spec: ActionSpec,
    params: WireParams,
    region: string,
    taskId: string | undefined,
  ): Promise<unknown> => {
    log.info('aliyun mutating call', { action: spec.action, region, taskId });
    return call(spec, params, region);
  };

  return {
    listRelayTaskPages: (params) => lazily(() => relayPages(params)),
    listRelayTasks: (params) => lazily(() => uniqueItems(relayPages(params), (task) => task.taskId)),
    listRecordJobPages: (params) => lazily(() => recordPages(params)),
    listRecordJobs: (params) => lazily(() => uniqueItems(recordPages(params), (job) => job.jobId)),
    listTranscodeJobPages: (params) => lazily(() => transcodePages(params)),
    listTranscodeJobs: (params) => lazily(() => uniqueItems(transcodePages(params), (job) => job.jobId)),

    async describeRelayTask(params: TaskRef): Promise<RelayTask> {
      const spec = ACTIONS.describeRelayTask;
      const body = parse(
        spec.action,
        RelayDescribeResponseSchema,
        await call(spec, buildTaskRefRequest(spec.action, params), params.region),
      );
      // The task asked for, even if the body leaves its TaskId out.
      return mapRelayTask(body, params.region, body.TaskId ?? body.TaskInfo?.TaskId ?? params.taskId);
    },

    async updateRelayTask(params: UpdateRelayTaskParams): Promise<void> {
      const spec = ACTIONS.updateRelayTask;
      const wire = buildUpdateRelayTaskRequest(params, clock.now());
      parse(spec.action, RetOnlyResponseSchema, await mutate(spec, wire, params.region, params.taskId));
    },

    async restartRelayTask(params: TaskRef): Promise<{ readonly taskId: string }> {
      const spec = ACTIONS.restartRelayTask;
      const wire = buildTaskRefRequest(spec.action, params);
      const body = parse(
        spec.action,
        RelayTaskIdResponseSchema,
        await mutate(spec, wire, params.region, params.taskId),
      );
      return { taskId: body.TaskId ?? params.taskId };
    },

    async stopRelayTask(params: TaskRef): Promise<void> {
      const spec = ACTIONS.stopRelayTask;
      const wire = buildTaskRefRequest(spec.action, params);
      parse(spec.action, RetOnlyResponseSchema, await mutate(spec, wire, params.region, params.taskId));
    },

    async createRelayTask(params: CreateRelayTaskParams): Promise<{ readonly taskId: string }> {
      const spec = ACTIONS.createRelayTask;
      const wire = buildCreateRelayTaskRequest(params, clock.now());
      const body = parse(
        spec.action,
        RelayTaskIdResponseSchema,
        await mutate(spec, wire, params.region, undefined),
      );
      if (body.TaskId === undefined) {
        counters.failures += 1;
        throw new AliyunApiError(`${spec.action}: the response carries no TaskId`, {
          action: spec.action,
          code: 'InvalidResponse',
          requestId: body.RequestId,
          retryable: false,
        });
      }
      return { taskId: body.TaskId };
    },

    async deleteRelayTask(params: TaskRef): Promise<void> {
      const spec = ACTIONS.deleteRelayTask;
      const wire = buildTaskRefRequest(spec.action, params);
      parse(spec.action, RetOnlyResponseSchema, await mutate(spec, wire, params.region, params.taskId));
    },

    stats(): ApiCallStats {
      return { ...counters, byAction: { ...byAction } };
    },
  };
}

/** Throttled or never connected: the server did not act on the request, so even Create may be resent. */
function surelyNotActedOn(error: AliyunApiError): boolean {
  return isThrottlingCode(error.code) || error.code === 'ECONNREFUSED';
}

/** The last retryable failure, reported as final once the deadline leaves no room for another attempt. */
function gaveUp(error: AliyunApiError, attempts: number): AliyunApiError {
  return new AliyunApiError(`${error.message} (gave up after ${attempts} attempts)`, {
    action: error.action,
    code: error.code,
    requestId: error.requestId,
    httpStatus: error.httpStatus,
    retryable: true,
    cause: error.cause,
  });
}

/**
 * Defers building the iterator until iteration starts, so a ValidationError surfaces from the
 * first `next()` (inside `for await`) rather than from the method call itself.
 */
async function* lazily<T>(make: () => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  yield* make();
}

/**
 * Flattens pages into items, skipping an id already yielded: tasks created or deleted while a
 * listing runs shift items across page boundaries, so one can appear on two pages.
 */
async function* uniqueItems<T>(
  pages: AsyncIterable<Page<T>>,
  idOf: (item: T) => string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  for await (const page of pages) {
    for (const item of page.items) {
      const id = idOf(item);
      if (seen.has(id)) continue;
      seen.add(id);
      yield item;
    }
  }
}
