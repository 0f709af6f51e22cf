import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AliyunClient } from '../../lib/aliyun/api.js';
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { rateLimitOf } from '../../lib/aliyun/rate-limiter.js';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator/index.js';

/**
 * The settings that point livewatch at an emulator: its endpoint for Live and ICE over plain HTTP,
 * its key pair, one region (cn-shanghai) for both, and a SQLite store in `dir`. As environment
 * variables, so the same record configures an in-process part (loadConfig) or a spawned CLI.
 */
export function emulatorEnv(emulator: Emulator, dir: string): Record<string, string> {
  return {
    LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}`,
    LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
    LIVEWATCH_ICE_REGIONS: 'cn-shanghai',
  };
}

export interface EmulatorStack {
  readonly emulator: Emulator;
  /** Drives the emulator's task time and the part under test together. */
  readonly clock: ManualClock;
  /** The temp dir holding the SQLite store; removed by close(). */
  readonly dir: string;
  /** The settings as environment variables (for loadConfig or for spawning the CLI). */
  readonly env: Record<string, string>;
  readonly config: Config;
  readonly store: Store;
  readonly client: AliyunClient;
  /** Moves time forward and lets the emulator apply its life cycle (and deliver callbacks). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real parts the monitor and remediation harnesses share, over real wires: the emulator on
 * loopback (latency 0, `qps` on both sides) with a ManualClock for its task life cycle, SQLite in a
 * temp dir (unless `env` names another store), and the real client with an in-process limiter on
 * real time. `env` is applied over emulatorEnv and LIVEWATCH_API_QPS.
 */
export async function startEmulatorStack(options: {
  /** Where the ManualClock starts. */
  clockStart: number;
  /** Prefix of the temp dir's name. */
  dirPrefix: string;
  qps?: number | undefined;
  env?: Record<string, string> | undefined;
  emulator?: EmulatorOptions | undefined;
}): Promise<EmulatorStack> {
  const qps = options.qps ?? 500;
  const clock = new ManualClock(options.clockStart);
  const emulator = await startEmulator({
    clock,
    latencyMs: 0,
    qps,
    // Real clients sign with real time; the task clock jumps minutes ahead in these tests.
    timestampClock: systemClock,
    ...options.emulator,
  });
  const dir = await mkdtemp(join(tmpdir(), options.dirPrefix));
  const env: Record<string, string> = {
    ...emulatorEnv(emulator, dir),
    LIVEWATCH_API_QPS: String(qps),
    ...options.env,
  };
  const config = loadConfig(env);
  const store = await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX });
  const client = createAliyunClient({
    config,
    credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
    limiter: createMemoryRateLimiter({ ...rateLimitOf(config), clock: systemClock }),
    clock: systemClock,
  });
  return {
    emulator,
    clock,
    dir,
    env,
    config,
    store,
    client,
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
