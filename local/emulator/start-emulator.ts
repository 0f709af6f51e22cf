/**
 * The emulator's composition: builds its parts (faults, flow control, relay life cycle, ICE jobs,
 * callbacks), seeds them, listens, routes `/_emulator/…` to the control API and everything else to
 * the API request pipeline (handle-api-request.ts), and returns the handle tests and the CLI use.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../lib/clock.js';
import { describeError } from '../../lib/errors.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import { registerSecrets } from '../../lib/redact.js';
import { RequestAuthenticator } from './authenticate.js';
import { CallbackDispatcher } from './callback-dispatcher.js';
import { handleControlRequest } from './control-api.js';
import { createFaultControls } from './create-fault-controls.js';
import type { AccessKeyPair, Emulator, EmulatorOptions, EmulatorStats } from './emulator-types.js';
import { FaultState } from './faults.js';
import { createApiHandler } from './handle-api-request.js';
import { sendJson } from './http-io.js';
import { defaultRecordJob, defaultTranscodeJob } from './ice-job-defaults.js';
import { IceJobs } from './ice-jobs.js';
import { Readings } from './readings.js';
import { RelayEngine } from './relay-engine.js';
import { RequestLedger } from './request-ledger.js';
import {
  generateRecordJobs,
  generateTasks,
  generateTranscodeJobs,
  parseScenario,
  type Scenario,
} from './scenario.js';
import { createRandom, type Random } from './seeded-random.js';
import { SlidingWindowLimiter } from './sliding-window.js';

/** The emulator's parts, built once from the options. */
interface EmulatorParts {
  readonly clock: Clock;
  readonly log: Logger;
  readonly scenario: Scenario;
  readonly random: Random;
  readonly apiFaultRandom: Random;
  readonly latencyRandom: Random;
  readonly accessKeys: AccessKeyPair[];
  readonly faults: FaultState;
  readonly limiter: SlidingWindowLimiter;
  readonly callbacks: CallbackDispatcher;
  readonly relays: RelayEngine;
  readonly ice: IceJobs;
  readonly ledger: RequestLedger;
  readonly settings: { restartNewTaskId: boolean };
  readonly readings: Readings;
  /** Applies time-driven transitions up to now and lets due callbacks go. */
  readonly evaluate: () => void;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const parts = createParts(options);
  seedParts(parts, options);
  const server = createServer();
  server.keepAliveTimeout = 30_000;
  const endpoint = await listen(server, options);
  const emulator = assembleEmulator(parts, server, endpoint, options);
  const handleApi = createApiHandler({
    clock: parts.clock,
    timestampClock: options.timestampClock ?? parts.clock,
    authenticator: new RequestAuthenticator(parts.accessKeys),
    limiter: parts.limiter,
    accountOf: new Map(parts.accessKeys.map((key) => [key.id, key.accountId ?? key.id])),
    faults: parts.faults,
    relays: parts.relays,
    ice: parts.ice,
    ledger: parts.ledger,
    readings: parts.readings,
    drawApiFault: () => parts.apiFaultRandom.next(),
    drawLatency: () => parts.latencyRandom.next(),
    newJobId: () => parts.random.uuid(),
    evaluate: parts.evaluate,
    kickCallbacks: () => parts.callbacks.kick(),
    log: parts.log,
  });
  // Attached in the same turn as listen() resolved, before any request can be read.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const handled = (req.url ?? '/').startsWith('/_emulator')
      ? handleControlRequest(req, res, emulator)
      : handleApi(req, res);
    handled.catch((error: unknown) => {
      parts.log.error('emulator could not answer a request', { error });
      if (!res.headersSent) sendJson(res, 500, { Code: 'InternalError', Message: describeError(error) });
      else res.destroy();
    });
  });
  parts.log.info('emulator listening', { url: emulator.url, tasks: parts.relays.size });
  return emulator;
}

function createParts(options: EmulatorOptions): EmulatorParts {
  const log = options.log ?? silentLogger;
  // Real time unless a test injects a clock; `speed` shortens the platform's durations instead.
  const clock = options.clock ?? systemClock;
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be > 0, got ${speed}`);
  const scenario = parseScenario(options.scenario ?? {});
  const seed = options.seed ?? scenario.seed ?? 1;
  const random = createRandom(seed);
  const callbackRandom = createRandom((seed ^ 0x1b873593) >>> 0);
  const accessKeys = options.accessKeys?.length ? [...options.accessKeys] : [generateKeyPair()];
  if (accessKeys[0] === undefined) throw new RangeError('at least one AccessKey pair is required');
  registerSecrets(...accessKeys.map((key) => key.secret));
  const faults = new FaultState(options.latencyMs ?? [50, 100]);
  const settings = { restartNewTaskId: options.restartNewTaskId ?? false };
  const readings = new Readings({ ...scenario.readings, ...options.readings });
  const lagRandom = createRandom((seed ^ 0x85ebca6b) >>> 0);
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
    restartNewTaskId: () => settings.restartNewTaskId,
    exitedRetentionMs: options.exitedRetentionMs ?? 3_600_000,
    dstConflicts: options.dstConflicts ?? false,
    speed,
    readings,
    draw: () => lagRandom.next(),
  });
  const ice = new IceJobs(faults, speed);
  const evaluate = (): void => {
    const now = clock.now();
    relays.evaluate(now);
    ice.evaluate(now);
    callbacks.kick();
  };
  return {
    clock,
    log,
    scenario,
    random,
    // Separate streams, so e.g. the latency draws never shift which calls an API fault hits.
    apiFaultRandom: createRandom((seed ^ 0x5bd1e995) >>> 0),
    latencyRandom: createRandom((seed ^ 0xcc9e2d51) >>> 0),
    accessKeys,
    faults,
    limiter: new SlidingWindowLimiter(options.qps ?? 10),
    callbacks,
    relays,
    ice,
    ledger: new RequestLedger(),
    settings,
    readings,
    evaluate,
  };
}

/** Generated tasks and jobs (the scenario's counts plus the options'), and the scenario's faults. */
function seedParts(parts: EmulatorParts, options: EmulatorOptions): void {
  const { scenario, random, relays, ice, faults } = parts;
  const startNow = parts.clock.now();
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
}

async function listen(server: Server, options: EmulatorOptions): Promise<string> {
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `${host}:${(server.address() as AddressInfo).port}`;
}

/** The handle: direct access to the parts for tests, and close(). Starts the background tick. */
function assembleEmulator(
  parts: EmulatorParts,
  server: Server,
  endpoint: string,
  options: EmulatorOptions,
): Emulator {
  const { clock, relays, ice, random, callbacks, evaluate } = parts;
  // A job added through the control API: ids drawn job id first, then template id (a seed's order).
  const newJob = () => ({ jobId: random.uuid(), templateId: random.uuid(), createdAt: clock.now() });
  const advance = async (): Promise<void> => {
    evaluate();
    await callbacks.flush();
  };
  const stopTicker = startTicker(
    advance,
    options.tickMs ?? (options.clock === undefined ? 500 : 0),
    parts.log,
  );
  const [accessKey] = parts.accessKeys as [AccessKeyPair, ...AccessKeyPair[]];
  return {
    url: `http://${endpoint}`,
    endpoint,
    accessKey,
    accessKeys: parts.accessKeys,
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
      const job = defaultRecordJob(newJob(), init);
      ice.records.set(job.jobId, job);
      return job;
    },
    addTranscodeJob: (init = {}) => {
      const job = defaultTranscodeJob(newJob(), init);
      ice.transcodes.set(job.jobId, job);
      return job;
    },
    removeJob: (jobId) => ice.records.delete(jobId) || ice.transcodes.delete(jobId),
    setRestartNewTaskId: (on) => {
      parts.settings.restartNewTaskId = on;
    },
    setQps: (qps) => parts.limiter.setLimit(qps),
    readings: {
      values: () => parts.readings.values,
      set: (change) => {
        evaluate();
        const values = parts.readings.set(change);
        evaluate();
        return values;
      },
    },
    faults: createFaultControls(parts.faults, clock, evaluate),
    callbackLog: callbacks.log,
    requests: parts.ledger.requests,
    stats: () => statsOf(parts),
    close: async () => {
      stopTicker();
      callbacks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function statsOf(parts: EmulatorParts): EmulatorStats {
  const byStatus: Record<string, number> = {};
  for (const task of parts.relays.all())
    byStatus[String(task.status)] = (byStatus[String(task.status)] ?? 0) + 1;
  return {
    ...parts.ledger.actionStats(),
    mutations: [...parts.ledger.mutations],
    callbacks: parts.callbacks.stats(),
    tasks: { total: parts.relays.size, byStatus },
    recordJobs: parts.ice.records.size,
    transcodeJobs: parts.ice.transcodes.size,
  };
}

/** Background evaluation every `tickMs` of real time (life cycle, due callbacks); 0 turns it off. */
function startTicker(advance: () => Promise<void>, tickMs: number, log: Logger): () => void {
  if (tickMs <= 0) return () => {};
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    advance()
      .catch((error: unknown) => log.error('emulator tick failed', { error }))
      .finally(() => {
        ticking = false;
      });
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}

function generateKeyPair(): AccessKeyPair {
  return {
    id: `LTAIemu${randomBytes(8).toString('hex')}`,
    secret: randomBytes(15).toString('hex'),
  };
}
