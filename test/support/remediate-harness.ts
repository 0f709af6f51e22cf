import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AliyunClient } from '../../lib/aliyun/api.js';
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { rateLimitOf } from '../../lib/aliyun/rate-limiter.js';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import type { RelayState } from '../../lib/events/resources.js';
import { resourceKey } from '../../lib/events/resources.js';
import { type EventSource, eventKey, type TaskEvent } from '../../lib/events/task-event.js';
import { silentLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import type { FlushReport, Notice, Notifier } from '../../lib/notify/notice.js';
import type { RemediationDeps } from '../../lib/remediate/remediation-deps.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator/index.js';

/**
 * The real notifier, with every notice it is handed kept for assertions (a decorator, not a fake:
 * notices still go through grouping and the outbox in the real store).
 */
export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  constructor(private readonly inner: Notifier) {}

  async notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
    await this.inner.notify(notice);
  }

  flush(): Promise<FlushReport> {
    return this.inner.flush();
  }

  of(reason: string, status: Notice['status'] = 'firing'): Notice[] {
    return this.notices.filter((notice) => notice.reason === reason && notice.status === status);
  }
}

export interface RemediateHarness {
  readonly emulator: Emulator;
  /** Drives the emulator's task time and the alert function's clock together. */
  readonly clock: ManualClock;
  readonly config: Config;
  readonly store: Store;
  readonly client: AliyunClient;
  readonly notifier: RecordingNotifier;
  readonly deps: RemediationDeps;
  /** The settings as environment variables (for spawning the CLI against the same emulator and store). */
  readonly env: Record<string, string>;
  /** Moves time forward and lets the emulator apply its life cycle. */
  advance(ms: number): Promise<void>;
  /** A TaskEvent for an emulator task, as the callback receiver or the poller would send it. */
  eventFor(taskId: string, state: RelayState, options?: { reason?: string; source?: EventSource }): TaskEvent;
  /** Successful-or-not calls of one action the emulator received. */
  calls(action: string): Array<{ params: Readonly<Record<string, string>>; status: number }>;
  key(taskId: string): string;
  close(): Promise<void>;
}

/**
 * The alert function's real parts over real wires: the emulator on loopback (latency 0, high QPS on
 * both sides), the real client with an in-process limiter on real time, SQLite in a temp dir, the
 * real notifier (log channel only), and a ManualClock shared by the emulator's task life cycle and
 * the remediation.
 */
export async function startRemediateHarness(
  options: { env?: Record<string, string>; emulator?: EmulatorOptions; start?: number } = {},
): Promise<RemediateHarness> {
  const qps = 500;
  const clock = new ManualClock(options.start ?? Date.UTC(2026, 0, 10, 12));
  const emulator = await startEmulator({
    clock,
    latencyMs: 0,
    qps,
    // Real clients sign with real time; the task clock jumps minutes ahead in these tests.
    timestampClock: systemClock,
    ...options.emulator,
  });
  const dir = await mkdtemp(join(tmpdir(), 'livewatch-remediate-'));
  const env: Record<string, string> = {
    LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}`,
    LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
    LIVEWATCH_ICE_REGIONS: 'cn-shanghai',
    LIVEWATCH_API_QPS: String(qps),
    LIVEWATCH_API_DEADLINE_MS: '5000',
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
  const notifier = new RecordingNotifier(createNotifier({ config, store, clock, log: silentLogger }));
  let sequence = 0;
  return {
    emulator,
    clock,
    config,
    store,
    client,
    notifier,
    deps: { config, store, client, notifier, clock, log: silentLogger },
    env,
    async advance(ms) {
      clock.advance(ms);
      await emulator.advance();
    },
    eventFor(taskId, state, opts = {}) {
      const task = emulator.task(taskId);
      const region = task?.region ?? 'cn-shanghai';
      sequence += 1;
      return {
        resource: { kind: 'relay', id: taskId, region, ...(task ? { name: task.taskName } : {}) },
        state,
        ...(opts.reason ? { reason: opts.reason } : {}),
        trigger: 'transition',
        observedAt: clock.now(),
        source: opts.source ?? 'callback',
        key: eventKey([taskId, state, clock.now(), opts.source ?? 'callback', sequence]),
      };
    },
    calls(action) {
      return emulator.requests
        .filter((request) => request.action === action)
        .map(({ params, status }) => ({ params, status }));
    },
    key(taskId) {
      return resourceKey({ kind: 'relay', region: 'cn-shanghai', id: taskId });
    },
    async close() {
      await emulator.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
