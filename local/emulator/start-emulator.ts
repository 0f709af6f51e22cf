import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../lib/clock.js';
import { describeError } from '../../lib/errors.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import { registerSecrets } from '../../lib/redact.js';
import { apiErrors, EmulatedApiError } from './api-error.js';
import { RequestAuthenticator } from './authenticate.js';
import {
  CallbackDispatcher,
  type CallbackLogEntry,
  type CallbackOptions,
  type CallbackStats,
} from './callback-dispatcher.js';
import { handleControlRequest } from './control-api.js';
import {
  type ApiFault,
  type CallbackFaults,
  type FaultSelector,
  FaultState,
  type Latency,
} from './faults.js';
import { readBody, sendJson } from './http-io.js';
import { ICE_ACTIONS, ICE_VERSION, type IceHandler } from './ice-actions.js';
import { type EmulatedRecordJob, type EmulatedTranscodeJob, IceJobs } from './ice-jobs.js';
import { LIVE_ACTIONS, LIVE_VERSION, type LiveHandler, MUTATING_ACTIONS } from './live-actions.js';
import type { Params } from './param-rules.js';
import { RelayEngine, type TaskInit } from './relay-engine.js';
import type { EmulatedTask, TaskStatus } from './relay-task.js';
import { createScaledClock } from './scaled-clock.js';
import {
  generateRecordJobs,
  generateTasks,
  generateTranscodeJobs,
  parseScenario,
  type Scenario,
} from './scenario.js';
import { createRandom } from './seeded-random.js';
import { parseQueryPairs } from './signature.js';
import { SlidingWindowLimiter } from './sliding-window.js';

export interface AccessKeyPair {
  readonly id: string;
  readonly secret: string;
  /**
   * The account the key belongs to: flow control counts per account, so keys of one account (a
   * long-lived key and the STS keys of its functions' roles) share one budget. Default: the key id.
   */
  readonly accountId?: string;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** The task clock. Default: the system clock scaled by `speed`. */
  readonly clock?: Clock;
  /** Virtual-time speed factor for demos (ignored when `clock` is given). Default 1. */
  readonly speed?: number;
  /** Seed of the PRNG for generated ids, scenarios and fault rates. Default 1. */
  readonly seed?: number;
  /** Generated relay tasks / record jobs / transcode jobs (added to the scenario's counts). */
  readonly tasks?: number;
  readonly records?: number;
  readonly transcodes?: number;
  /** Live centers to spread generated tasks over (default cn-shanghai, cn-beijing, ap-southeast-1). */
  readonly regions?: readonly string[];
  /** CallbackUrl given to about half of the generated tasks. */
  readonly callbackUrl?: string;
  readonly scenario?: Scenario;
  /** Calls per second per account per action. Default 10. */
  readonly qps?: number;
  /** Real per-call latency in ms, fixed or a uniform [min, max]. Default [50, 100]. */
  readonly latencyMs?: Latency;
  /** Default: one generated pair. */
  readonly accessKeys?: ReadonlyArray<AccessKeyPair>;
  /** Restart returns (and re-keys the task under) a new TaskId. Default false. */
  readonly restartNewTaskId?: boolean;
  readonly callback?: CallbackOptions;
  /**
   * Real ms between background evaluations (life cycle, due callbacks). Default 500 with the
   * system clock, 0 (off: call `advance()`) when a clock is injected.
   */
  readonly tickMs?: number;
  /** How long a task past its EndTime stays listed with status -1. Default 1 h of task time. */
  readonly exitedRetentionMs?: number;
  /**
   * Model "two tasks pushing to the same DstUrl both fail" (PushStreamFailed until one of them
   * stops). Default false: many tests add tasks with the same default DstUrl.
   */
  readonly dstConflicts?: boolean;
  /**
   * The clock signature timestamps are checked against. Default: the task clock when it runs at
   * speed 1 (so a ManualClock test can expire a timestamp), else the system clock, since real
   * clients sign with real time.
   */
  readonly timestampClock?: Clock;
  readonly log?: Logger;
}

export interface ActionStats {
  calls: number;
  ok: number;
  errors: number;
  throttled: number;
  /** Calls answered by an injected API fault (5xx, timeout, throttle). */
  faulted: number;
}

export interface RecordedRequest {
  readonly action: string;
  readonly version: string;
  /** Every parameter except `Signature`. */
  readonly params: Readonly<Record<string, string>>;
  /** Emulator clock time. */
  readonly at: number;
  /** HTTP status answered; 0 for a call left hanging by a timeout fault. */
  readonly status: number;
  readonly code?: string;
  readonly accessKeyId?: string;
  readonly scheme?: 'v1' | 'v3';
}

export interface EmulatorStats {
  readonly actions: Readonly<Record<string, ActionStats>>;
  readonly totals: ActionStats;
  /** Mutating calls that succeeded (Create/Update/Restart/Stop/Delete, ICE submits and commands). */
  readonly mutations: ReadonlyArray<{ action: string; params: Readonly<Record<string, string>>; at: number }>;
  readonly callbacks: CallbackStats;
  readonly tasks: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly recordJobs: number;
  readonly transcodeJobs: number;
}

export interface EmulatorFaults {
  /** Fail the source of one task (taskId) or of every task/job pulling from a host. */
  failSource(selector: FaultSelector): void;
  recoverSource(selector?: FaultSelector): void;
  /** Make a destination reject pushes (by task or destination host). */
  rejectPush(selector: FaultSelector): void;
  acceptPush(selector?: FaultSelector): void;
  /** Inject 5xx (InternalError 500), timeouts (no answer) or throttling at a rate; rate 0 removes. */
  apiFaults(fault: ApiFault): void;
  setLatency(ms: Latency): void;
  setCallbacks(faults: CallbackFaults): void;
  /** Remove every fault and restore the configured latency. */
  clear(): void;
  describe(): Record<string, unknown>;
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** 127.0.0.1:PORT (for @alicloud/openapi-client `endpoint`, with protocol 'HTTP'). */
  readonly endpoint: string;
  readonly accessKey: AccessKeyPair;
  readonly accessKeys: ReadonlyArray<AccessKeyPair>;
  readonly clock: Clock;
  /** Re-evaluates time-driven transitions now, then delivers every callback due and waits for it. */
  advance(): Promise<void>;
  task(taskId: string): EmulatedTask | undefined;
  tasks(): EmulatedTask[];
  recordJobs(): EmulatedRecordJob[];
  transcodeJobs(): EmulatedTranscodeJob[];
  /** Create a task directly (no API call, no rate limit). */
  addTask(init?: TaskInit): EmulatedTask;
  /** Set a task's status directly (no callback), e.g. to start a test from "stopped". */
  setTaskStatus(taskId: string, status: TaskStatus, reason?: string): EmulatedTask;
  addRecordJob(init?: Partial<EmulatedRecordJob>): EmulatedRecordJob;
  addTranscodeJob(init?: Partial<EmulatedTranscodeJob>): EmulatedTranscodeJob;
  /** Remove an ICE job (it disappears from the lists). */
  removeJob(jobId: string): boolean;
  setRestartNewTaskId(on: boolean): void;
  setQps(qps: number): void;
  readonly faults: EmulatorFaults;
  readonly callbackLog: ReadonlyArray<CallbackLogEntry>;
  readonly requests: ReadonlyArray<RecordedRequest>;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

const MAX_REQUEST_LOG = 200_000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? createScaledClock(options.speed ?? 1);
  const timestampClock =
    options.timestampClock ??
    (options.clock !== undefined || (options.speed ?? 1) === 1 ? clock : systemClock);
  const scenario = parseScenario(options.scenario ?? {});
  const seed = options.seed ?? scenario.seed ?? 1;
  const random = createRandom(seed);
  // Separate streams, so e.g. the latency draws never shift which calls an API fault hits.
  const apiFaultRandom = createRandom((seed ^ 0x5bd1e995) >>> 0);
  const callbackRandom = createRandom((seed ^ 0x1b873593) >>> 0);
  const latencyRandom = createRandom((seed ^ 0xcc9e2d51) >>> 0);
  const accessKeys = options.accessKeys?.length ? [...options.accessKeys] : [generateKeyPair()];
  const [accessKey] = accessKeys;
  if (accessKey === undefined) throw new RangeError('at least one AccessKey pair is required');
  registerSecrets(...accessKeys.map((key) => key.secret));

  const faults = new FaultState(options.latencyMs ?? [50, 100]);
  let restartNewTaskId = options.restartNewTaskId ?? false;
  const limiter = new SlidingWindowLimiter(options.qps ?? 10);
  const authenticator = new RequestAuthenticator(accessKeys);
  const accountOf = new Map(accessKeys.map((key) => [key.id, key.accountId ?? key.id]));
  const callbacks = new CallbackDispatcher({
    clock,
    faults,
    draw: () => callbackRandom.next(),
    log,
    options: options.callback,
  });
  const relays = new RelayEngine({
    faults,
    newTaskId: () => random.uuid(),
    onTransition: (transition) => callbacks.enqueue(transition),
    restartNewTaskId: () => restartNewTaskId,
    exitedRetentionMs: options.exitedRetentionMs ?? 3_600_000,
    dstConflicts: options.dstConflicts ?? false,
  });
  const ice = new IceJobs(faults);

  // --- seeding ---
  const startNow = clock.now();
  const seeded: Scenario = {
    ...scenario,
    tasks: (scenario.tasks ?? 0) + (options.tasks ?? 0),
    records: (scenario.records ?? 0) + (options.records ?? 0),
    transcodes: (scenario.transcodes ?? 0) + (options.transcodes ?? 0),
    ...(options.regions === undefined
      ? {}
      : { regions: parseScenario({ regions: options.regions }).regions }),
    ...(options.callbackUrl === undefined ? {} : { callbackUrl: options.callbackUrl }),
  };
  for (const init of generateTasks(seeded, random, startNow)) relays.add(init, startNow);
  for (const job of generateRecordJobs(seeded, random, startNow)) ice.records.set(job.jobId, job);
  for (const job of generateTranscodeJobs(seeded, random, startNow)) ice.transcodes.set(job.jobId, job);
  for (const selector of scenario.faults?.failSources ?? []) faults.failSource(selector, startNow);
  for (const selector of scenario.faults?.rejectPushes ?? []) faults.rejectPush(selector, startNow);

  // --- bookkeeping ---
  const requests: RecordedRequest[] = [];
  const actionStats = new Map<string, ActionStats>();
  const mutations: Array<{ action: string; params: Readonly<Record<string, string>>; at: number }> = [];
  const statsFor = (action: string): ActionStats => {
    let stats = actionStats.get(action);
    if (stats === undefined) {
      stats = { calls: 0, ok: 0, errors: 0, throttled: 0, faulted: 0 };
      actionStats.set(action, stats);
    }
    return stats;
  };

  const evaluate = (): void => {
    const now = clock.now();
    relays.evaluate(now);
    ice.evaluate(now);
    callbacks.kick();
  };
  const advance = async (): Promise<void> => {
    evaluate();
    await callbacks.flush();
  };

  const faultApi: EmulatorFaults = {
    failSource: (selector) => {
      evaluate();
      faults.failSource(selector, clock.now());
      evaluate();
    },
    recoverSource: (selector = {}) => {
      evaluate();
      faults.recoverSource(selector);
      evaluate();
    },
    rejectPush: (selector) => {
      evaluate();
      faults.rejectPush(selector, clock.now());
      evaluate();
    },
    acceptPush: (selector = {}) => {
      evaluate();
      faults.acceptPush(selector);
      evaluate();
    },
    apiFaults: (fault) => faults.setApiFault(fault),
    setLatency: (ms) => faults.setLatency(ms),
    setCallbacks: (callbackFaults) => faults.setCallbacks(callbackFaults),
    clear: () => {
      evaluate();
      faults.clear();
      evaluate();
    },
    describe: () => faults.describe(),
  };

  const sleepLatency = async (): Promise<void> => {
    const latency = faults.latency;
    const ms =
      typeof latency === 'number' ? latency : latency[0] + latencyRandom.next() * (latency[1] - latency[0]);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, rawUrl: string): Promise<void> => {
    const queryString = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : '';
    const path = rawUrl.split('?')[0] || '/';
    const query = parseQueryPairs(queryString);
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    let body: Buffer = Buffer.alloc(0);
    let form: Array<[string, string]> = [];
    let bodyError: unknown;
    const params = new Map<string, string>(query);
    try {
      body = await readBody(req);
      if (contentType.includes('application/x-www-form-urlencoded'))
        form = parseQueryPairs(body.toString('utf8'));
      for (const [name, value] of [...form, ...jsonParams(contentType, body)]) params.set(name, value);
    } catch (error) {
      // Answered below as the standard error body, once the call is counted.
      bodyError = error;
    }
    const action = headerString(req, 'x-acs-action') ?? params.get('Action') ?? '';
    const version = headerString(req, 'x-acs-version') ?? params.get('Version') ?? '';
    const requestId = randomUUID().toUpperCase();
    const hostId = version === ICE_VERSION ? 'ice.aliyuncs.com' : 'live.aliyuncs.com';
    const stats = action === '' ? undefined : statsFor(action);
    if (stats !== undefined) stats.calls += 1;
    let accessKeyId: string | undefined;
    let scheme: 'v1' | 'v3' | undefined;
    let latencyDone = false;
    const record = (status: number, code?: string): void => {
      const paramsRecord = Object.fromEntries([...params].filter(([name]) => name !== 'Signature'));
      if (requests.length >= MAX_REQUEST_LOG) requests.splice(0, requests.length - MAX_REQUEST_LOG + 1);
      requests.push({
        action,
        version,
        params: paramsRecord,
        at: clock.now(),
        status,
        ...(code === undefined ? {} : { code }),
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
        ...(scheme === undefined ? {} : { scheme }),
      });
      if (status === 200 && MUTATING_ACTIONS.has(action)) {
        mutations.push({ action, params: paramsRecord, at: clock.now() });
      }
    };
    try {
      if (bodyError !== undefined) throw bodyError;
      const auth = authenticator.authenticate(
        { method: req.method ?? 'GET', path, headers: req.headers, query, form, body },
        timestampClock.now(),
      );
      accessKeyId = auth.accessKeyId;
      scheme = auth.scheme;
      if (action === '') throw apiErrors.missingParameter('Action');
      const handler = resolveHandler(action, version);
      if (handler === undefined) throw apiErrors.apiNotFound(action, version);
      if (!limiter.tryAcquire(`${accountOf.get(auth.accessKeyId) ?? auth.accessKeyId}|${action}`)) {
        if (stats !== undefined) stats.throttled += 1;
        throw apiErrors.throttled();
      }
      const fault = faults.apiFaultFor(action, () => apiFaultRandom.next());
      if (fault !== undefined && stats !== undefined) stats.faulted += 1;
      if (fault === 'timeout') {
        // Hang past the client's timeout: never answer; the socket closes with the client or close().
        record(0, 'Timeout');
        return;
      }
      if (fault === 'throttle') {
        if (stats !== undefined) stats.throttled += 1;
        throw apiErrors.throttled();
      }
      if (fault === '5xx') throw apiErrors.internal();
      await sleepLatency();
      latencyDone = true;
      evaluate();
      const now = clock.now();
      const result =
        handler.kind === 'ice'
          ? handler.handler(params, {
              jobs: ice,
              now,
              region: iceRegionOf(params, req),
              newJobId: () => random.uuid(),
            })
          : handler.handler(params, { relays, now });
      callbacks.kick();
      if (stats !== undefined) stats.ok += 1;
      record(200);
      sendJson(res, 200, { RequestId: requestId, ...result });
    } catch (error) {
      const apiError =
        error instanceof EmulatedApiError
          ? error
          : new EmulatedApiError(500, 'InternalError', `emulator bug: ${describeError(error)}`, {
              cause: error,
            });
      if (!(error instanceof EmulatedApiError)) log.error('emulator request failed', { action, error });
      if (!latencyDone) await sleepLatency();
      if (stats !== undefined) stats.errors += 1;
      record(apiError.httpStatus, apiError.code);
      sendJson(res, apiError.httpStatus, {
        RequestId: requestId,
        HostId: hostId,
        Code: apiError.code,
        Message: apiError.message,
      });
    }
  };

  const emulatorRef: { current?: Emulator } = {};
  const server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const handled = rawUrl.startsWith('/_emulator')
      ? handleControlRequest(req, res, emulatorRef.current as Emulator)
      : handleApi(req, res, rawUrl);
    handled.catch((error: unknown) => {
      log.error('emulator could not answer a request', { error });
      if (!res.headersSent) sendJson(res, 500, { Code: 'InternalError', Message: describeError(error) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const endpoint = `${host}:${address.port}`;

  const tickMs = options.tickMs ?? (options.clock === undefined ? 500 : 0);
  let ticking = false;
  const timer =
    tickMs > 0
      ? setInterval(() => {
          if (ticking) return;
          ticking = true;
          advance()
            .catch((error: unknown) => log.error('emulator tick failed', { error }))
            .finally(() => {
              ticking = false;
            });
        }, tickMs)
      : undefined;
  timer?.unref();

  const emulator: Emulator = {
    url: `http://${endpoint}`,
    endpoint,
    accessKey,
    accessKeys,
    clock,
    advance,
    task: (taskId) => {
      evaluate();
      const task = relays.get(taskId);
      if (task !== undefined) relays.refresh(task, clock.now());
      return task;
    },
    tasks: () => {
      evaluate();
      const all = relays.all();
      for (const task of all) relays.refresh(task, clock.now());
      return all;
    },
    recordJobs: () => {
      evaluate();
      return [...ice.records.values()];
    },
    transcodeJobs: () => {
      evaluate();
      return [...ice.transcodes.values()];
    },
    addTask: (init = {}) => {
      evaluate();
      const task = relays.add(init, clock.now());
      evaluate();
      return task;
    },
    setTaskStatus: (taskId, status, reason) => {
      evaluate();
      const task = relays.get(taskId);
      if (task === undefined) throw new RangeError(`no emulated task ${taskId}`);
      relays.setStatus(task, status, clock.now(), reason);
      return task;
    },
    addRecordJob: (init = {}) => {
      const job: EmulatedRecordJob = {
        jobId: random.uuid(),
        region: 'cn-shanghai',
        name: 'record',
        status: 'started',
        createdAt: clock.now(),
        notifyUrl: '',
        templateId: random.uuid(),
        templateName: 'record template',
        streamUrl: 'rtmp://origin-a.example.com/live/record',
        output: { type: 'oss', bucket: 'emulated-bucket', endpoint: 'oss-cn-shanghai.aliyuncs.com' },
        failingSince: undefined,
        ...init,
      };
      ice.records.set(job.jobId, job);
      return job;
    },
    addTranscodeJob: (init = {}) => {
      const job: EmulatedTranscodeJob = {
        jobId: random.uuid(),
        region: 'cn-shanghai',
        name: 'transcode',
        status: 1,
        startMode: 0,
        createdAt: clock.now(),
        templateId: random.uuid(),
        templateName: 'transcode template',
        templateType: 'normal',
        inputUrl: 'rtmp://origin-a.example.com/live/transcode',
        outputUrls: ['rtmp://push-1.example-cdn.com/transcoded/out'],
        timedStartAt: undefined,
        timedEndAt: undefined,
        ...init,
      };
      ice.transcodes.set(job.jobId, job);
      return job;
    },
    removeJob: (jobId) => ice.records.delete(jobId) || ice.transcodes.delete(jobId),
    setRestartNewTaskId: (on) => {
      restartNewTaskId = on;
    },
    setQps: (qps) => limiter.setLimit(qps),
    faults: faultApi,
    callbackLog: callbacks.log,
    requests,
    stats: () => {
      const byStatus: Record<string, number> = {};
      for (const task of relays.all())
        byStatus[String(task.status)] = (byStatus[String(task.status)] ?? 0) + 1;
      const totals: ActionStats = { calls: 0, ok: 0, errors: 0, throttled: 0, faulted: 0 };
      const actions: Record<string, ActionStats> = {};
      for (const [action, stats] of actionStats) {
        actions[action] = { ...stats };
        totals.calls += stats.calls;
        totals.ok += stats.ok;
        totals.errors += stats.errors;
        totals.throttled += stats.throttled;
        totals.faulted += stats.faulted;
      }
      return {
        actions,
        totals,
        mutations: [...mutations],
        callbacks: callbacks.stats(),
        tasks: { total: relays.size, byStatus },
        recordJobs: ice.records.size,
        transcodeJobs: ice.transcodes.size,
      };
    },
    close: async () => {
      if (timer !== undefined) clearInterval(timer);
      callbacks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  emulatorRef.current = emulator;
  log.info('emulator listening', { url: emulator.url, tasks: relays.size });
  return emulator;
}

type ResolvedHandler = { kind: 'live'; handler: LiveHandler } | { kind: 'ice'; handler: IceHandler };

/** Dispatch on Version and Action; without a Version, the action name decides the product. */
function resolveHandler(action: string, version: string): ResolvedHandler | undefined {
  const live = version === LIVE_VERSION || version === '' ? LIVE_ACTIONS[action] : undefined;
  if (live !== undefined) return { kind: 'live', handler: live };
  const ice = version === ICE_VERSION || version === '' ? ICE_ACTIONS[action] : undefined;
  if (ice !== undefined) return { kind: 'ice', handler: ice };
  return undefined;
}

/** ICE is regional by host; on one emulator the region comes from RegionId or an `ice.<region>.` Host. */
function iceRegionOf(params: Params, req: IncomingMessage): string | undefined {
  const regionId = params.get('RegionId');
  if (regionId !== undefined && regionId !== '') return regionId;
  const match = /^ice(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com/i.exec(String(req.headers.host ?? ''));
  return match?.[1];
}

function jsonParams(contentType: string, body: Buffer): Array<[string, string]> {
  if (!contentType.includes('application/json') || body.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw apiErrors.invalidParameter('The request body is not valid JSON.', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  return Object.entries(parsed).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}

function headerString(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}

function generateKeyPair(): AccessKeyPair {
  return {
    id: `LTAIemu${randomBytes(8).toString('hex')}`,
    secret: randomBytes(15).toString('hex'),
  };
}
