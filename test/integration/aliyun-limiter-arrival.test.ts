import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AliyunClient } from '../../lib/aliyun/api.js';
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { createStoreRateLimiter } from '../../lib/aliyun/create-store-rate-limiter.js';
import type { RateLimiter } from '../../lib/aliyun/rate-limiter.js';
import { systemClock } from '../../lib/clock.js';
import type { Latency } from '../../local/emulator/faults.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { startDelayProxy } from '../support/delay-proxy.js';
import {
  openStore,
  reportLegNotRun,
  type StoreAdapterCase,
  storeAdapterCases,
} from '../support/store-adapters.js';

/**
 * The limiter's learned margin against the emulator, which counts calls by ARRIVAL in a sliding
 * window of real time and throttles the (N+1)th: whatever the latency, livewatch must never be
 * throttled. These are correctness tests (zero throttled), not timing tests: how close to the
 * bound the limiter gets is measured in bench/list-tasks.ts and bench/remediate.ts.
 *
 * N is 20 per action (not 10) only to keep the suite short; the margin depends on latency, not on N.
 */
const QPS = 20;
const TASKS = 1_500;

const PROFILES: ReadonlyArray<{ readonly name: string; readonly latency: Latency }> = [
  { name: '50–100 ms', latency: [50, 100] },
  { name: '200–400 ms', latency: [200, 400] },
  // Pareto from 40 ms, shape 1.2: the median is ~70 ms, one call in ~40 takes over a second.
  {
    name: 'heavy-tailed (Pareto 40 ms, α 1.2, ≤ 3 s)',
    latency: { paretoMinMs: 40, alpha: 1.2, maxMs: 3_000 },
  },
];

function clientOf(endpoint: string, emulator: Emulator, limiter: RateLimiter): AliyunClient {
  return createAliyunClient({
    config: {
      LIVEWATCH_LIVE_ENDPOINT: endpoint,
      LIVEWATCH_ICE_ENDPOINT: endpoint,
      LIVEWATCH_API_PROTOCOL: 'http',
      LIVEWATCH_API_SIGNATURE: 'v3',
      LIVEWATCH_API_TIMEOUT_MS: 10_000,
      LIVEWATCH_API_DEADLINE_MS: 120_000,
      LIVEWATCH_API_QPS: QPS,
    },
    credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
    limiter,
  });
}

/**
 * A storm's shape: every client (function instance) lists everything (first page, then the rest
 * concurrently) while 3 × QPS describes of different tasks, split between them, queue up at once on
 * their own action's limit.
 */
async function storm(emulator: Emulator, clients: readonly AliyunClient[]): Promise<void> {
  const ids = emulator.tasks().map((task) => task.taskId);
  const listings = clients.map(async (client) => {
    let listed = 0;
    for await (const _task of client.listRelayTasks({ region: 'cn-shanghai' })) listed += 1;
    return listed;
  });
  const described = await Promise.all(
    ids
      .slice(0, 3 * QPS)
      .map((taskId, i) =>
        (clients[i % clients.length] as AliyunClient).describeRelayTask({ region: 'cn-shanghai', taskId }),
      ),
  );
  expect(await Promise.all(listings)).toEqual(clients.map(() => TASKS));
  expect(described).toHaveLength(3 * QPS);
}

/**
 * Blocks the event loop (emulator and client share it) for 20–60 ms after every 2nd answered call,
 * 0–40 ms after the answer (so stalls land before, during and after other calls' arrival): a loaded
 * machine. Counted by calls, not by the clock, so a slow machine gets the same stalls, not more.
 */
function stallingEvery2ndAnswer(limiter: RateLimiter): { readonly limiter: RateLimiter; stalls(): number } {
  let answers = 0;
  let stalls = 0;
  const stall = (round: number): void => {
    stalls += 1;
    const until = performance.now() + 20 + ((round * 37) % 41);
    while (performance.now() < until) {
      // Busy on purpose: this is the CPU stall under test.
    }
  };
  return {
    limiter: {
      acquire: async (key, signal) => {
        const permit = await limiter.acquire(key, signal);
        return {
          release: (answer) => {
            permit.release(answer);
            answers += 1;
            const round = answers;
            if (round % 2 === 0) setTimeout(() => stall(round), (round * 13) % 41);
          },
        };
      },
    },
    stalls: () => stalls,
  };
}

/** The limiters under test: in-process, and store-backed on each store adapter. */
const LIMITERS: ReadonlyArray<{
  readonly name: string;
  readonly adapter?: StoreAdapterCase;
}> = [
  { name: 'in-process' },
  ...storeAdapterCases().map((adapter) => ({ name: `store-backed (${adapter.name})`, adapter })),
];

beforeAll(async () => {
  for (const { adapter } of LIMITERS)
    if (adapter !== undefined && adapter.missing === undefined) await adapter.start();
});
afterAll(async () => {
  for (const { adapter } of LIMITERS)
    if (adapter !== undefined && adapter.missing === undefined) await adapter.stop();
});

/**
 * Runs `body` with the limiters of one test: one in-process limiter, or for a store-backed leg TWO
 * function instances (each its own store connection and limiter) sharing one fresh store.
 */
async function withLimiters(
  adapter: StoreAdapterCase | undefined,
  body: (limiters: readonly RateLimiter[]) => Promise<void>,
): Promise<void> {
  if (adapter === undefined) {
    await body([createMemoryRateLimiter({ limit: QPS, windowMs: 1000, marginMs: 5, clock: systemClock })]);
    return;
  }
  const location = adapter.fresh();
  const stores = [await openStore(location), await openStore(location)];
  try {
    await body(
      stores.map((store) =>
        createStoreRateLimiter({ store, limit: QPS, windowMs: 1000, marginMs: 5, clock: systemClock }),
      ),
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

/** The storm through `endpoint` with each limiter's client: zero throttled, at the emulator and as seen. */
async function expectNoThrottling(
  emulator: Emulator,
  endpoint: string,
  limiters: readonly RateLimiter[],
): Promise<void> {
  const clients = limiters.map((limiter) => clientOf(endpoint, emulator, limiter));
  await storm(emulator, clients);
  expect(emulator.stats().totals.throttled).toBe(0);
  expect(clients.map((client) => client.stats().throttled)).toEqual(clients.map(() => 0));
}

describe('the limiter paces by estimated arrival: the emulator never throttles', () => {
  for (const { name: limiterName, adapter } of LIMITERS) {
    describe(`${limiterName} limiter${adapter === undefined ? '' : ', two instances sharing one store'}`, () => {
      if (adapter !== undefined && reportLegNotRun('limiter-arrival', adapter)) return;
      for (const { name, latency } of PROFILES) {
        it(`${name} (all of it after the emulator counted the call)`, async () => {
          const emulator = await startEmulator({
            latencyMs: latency,
            qps: QPS,
            tasks: TASKS,
            regions: ['cn-shanghai'],
          });
          try {
            await withLimiters(adapter, (limiters) =>
              expectNoThrottling(emulator, emulator.endpoint, limiters),
            );
          } finally {
            await emulator.close();
          }
        }, 60_000);
      }

      it('a network path: 20–60 ms each way through a delaying proxy, 10–30 ms at the emulator', async () => {
        // The uplink is spent BEFORE the emulator counts the call: the credit (half the fastest round
        // trip) is safe while the fastest way back plus the server's work is at least the fastest way there.
        const emulator = await startEmulator({
          latencyMs: [10, 30],
          qps: QPS,
          tasks: TASKS,
          regions: ['cn-shanghai'],
        });
        const proxy = await startDelayProxy(emulator.endpoint, { up: [20, 60], down: [20, 60] });
        try {
          await withLimiters(adapter, (limiters) => expectNoThrottling(emulator, proxy.endpoint, limiters));
        } finally {
          await proxy.close();
          await emulator.close();
        }
      }, 60_000);
    });
  }
});

describe('the learned margin moves with stalls', () => {
  it('never throttles while the process stalls for 20–60 ms after every 2nd answer (50–100 ms latency)', async () => {
    const emulator = await startEmulator({
      latencyMs: [50, 100],
      qps: QPS,
      tasks: TASKS,
      regions: ['cn-shanghai'],
    });
    const stalling = stallingEvery2ndAnswer(
      createMemoryRateLimiter({ limit: QPS, windowMs: 1000, marginMs: 5, clock: systemClock }),
    );
    try {
      await expectNoThrottling(emulator, emulator.endpoint, [stalling.limiter]);
      expect(stalling.stalls()).toBeGreaterThanOrEqual(25);
    } finally {
      await emulator.close();
    }
  }, 60_000);
});
