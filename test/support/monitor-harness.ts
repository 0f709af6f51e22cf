import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AliyunClient } from '../../lib/aliyun/api.js';
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { rateLimitOf } from '../../lib/aliyun/rate-limiter.js';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { InvokeError } from '../../lib/errors.js';
import { type TaskEvent, TaskEventBatchSchema } from '../../lib/events/task-event.js';
import type { Invoker } from '../../lib/fc/invoker.js';
import { silentLogger } from '../../lib/log.js';
import type { SweepDeps } from '../../lib/monitor/run-sweep.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator/index.js';

/**
 * An Invoker that keeps what it is handed (the alert function's side of the async invocation) and
 * can be told to fail, as FC's API does when it is unreachable. Payloads are parsed with the alert
 * function's own edge schema, so a malformed batch fails the test.
 */
export class RecordingInvoker implements Invoker {
  readonly calls: Array<{ functionName: string; payload: string; taskId: string; bytes: number }> = [];
  failing = false;

  async invokeAsync(functionName: string, payload: string, taskId: string): Promise<void> {
    if (this.failing) {
      throw new InvokeError('function compute unreachable (test)', { functionName, retryable: true });
    }
    TaskEventBatchSchema.parse(JSON.parse(payload));
    this.calls.push({ functionName, payload, taskId, bytes: Buffer.byteLength(payload, 'utf8') });
  }

  events(): TaskEvent[] {
    return this.calls.flatMap((call) => JSON.parse(call.payload) as TaskEvent[]);
  }

  clear(): void {
    this.calls.length = 0;
  }
}

export interface MonitorHarness {
  readonly emulator: Emulator;
  /** Drives the emulator's task time and the sweep's clock together. */
  readonly clock: ManualClock;
  readonly config: Config;
  readonly store: Store;
  readonly client: AliyunClient;
  readonly invoker: RecordingInvoker;
  readonly deps: SweepDeps;
  readonly dir: string;
  /** Moves time forward and lets the emulator apply its life cycle (and deliver callbacks). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The poller's real parts over real wires: the emulator on loopback (latency 0, a high QPS on both
 * sides unless told otherwise), the real client with an in-process limiter, SQLite in a temp dir
 * (or the store given),
 * and a ManualClock shared by the emulator's task life cycle and the sweep.
 */
export async function startMonitorHarness(
  options: {
    env?: Record<string, string>;
    emulator?: EmulatorOptions;
    qps?: number;
    /** Another store (e.g. Redis: `{ url: 'redis://…', redisPrefix }`); default SQLite in the temp dir. */
    store?: { url: string; redisPrefix?: string };
    /** Where the ManualClock starts (default 2026-01-01); `Date.now()` when parts run on real time. */
    clockStart?: number;
  } = {},
): Promise<MonitorHarness> {
  const qps = options.qps ?? 500;
  const clock = new ManualClock(options.clockStart ?? Date.UTC(2026, 0, 1));
  const emulator = await startEmulator({
    clock,
    latencyMs: 0,
    qps,
    // Real clients sign with real time; the task clock jumps minutes ahead in these tests.
    timestampClock: systemClock,
    ...options.emulator,
  });
  const dir = await mkdtemp(join(tmpdir(), 'livewatch-monitor-'));
  const config = loadConfig({
    LIVEWATCH_STORE_URL: options.store?.url ?? `sqlite:${join(dir, 'state.db')}`,
    ...(options.store?.redisPrefix === undefined
      ? {}
      : { LIVEWATCH_REDIS_PREFIX: options.store.redisPrefix }),
    LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
    LIVEWATCH_ICE_REGIONS: 'cn-shanghai',
    LIVEWATCH_API_QPS: String(qps),
    ...options.env,
  });
  const store = await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX });
  const client = createAliyunClient({
    config,
    credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
    limiter: createMemoryRateLimiter({ ...rateLimitOf(config), clock: systemClock }),
    clock: systemClock,
  });
  const invoker = new RecordingInvoker();
  return {
    emulator,
    clock,
    config,
    store,
    client,
    invoker,
    deps: { config, store, client, invoker, clock, log: silentLogger },
    dir,
    async advance(ms) {
      clock.advance(ms);
      await emulator.advance();
    },
    async close() {
      await emulator.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
