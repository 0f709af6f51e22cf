import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AliyunClient } from '../../lib/aliyun/api.js';
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { createStoreRateLimiter } from '../../lib/aliyun/create-store-rate-limiter.js';
import type { RateLimiter } from '../../lib/aliyun/rate-limiter.js';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';

/** The store-backed limiter on a real SQLite file: one budget shared by several "function instances". */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'livewatch-limiter-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Lets every pending promise continuation run (one macrotask turn drains the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('store-backed rate limiter (SQLite)', () => {
  it('admits N per window, then waits on the clock for the time the store reports', async () => {
    const store = await createStore(`sqlite:${join(dir, 'manual.db')}`);
    try {
      const clock = new ManualClock(1_000_000);
      const limiter = createStoreRateLimiter({ store, limit: 3, windowMs: 1_000, clock, pace: false });
      const grants: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        void limiter.acquire('acct:DescribeLivePullToPushList').then((permit) => {
          grants.push(clock.now());
          permit.release();
        });
      }
      for (let turn = 0; turn < 50 && grants.length < 3; turn += 1) await settle();
      expect(grants).toEqual([1_000_000, 1_000_000, 1_000_000]);
      for (let turn = 0; turn < 50 && clock.pendingSleepers === 0; turn += 1) await settle();
      // Before any answer the store window is the server's 1000 ms plus 100 ms for calls still on their way.
      clock.advance(1_099);
      await settle();
      expect(grants).toHaveLength(3);
      for (let turn = 0; turn < 50 && grants.length < 4; turn += 1) {
        clock.advance(1);
        await settle();
      }
      expect(grants[3]).toBe(1_001_100);
    } finally {
      await store.close();
    }
  });

  it("moves an answered call's entry to its answer less the credit, so the next window opens then", async () => {
    const store = await createStore(`sqlite:${join(dir, 'settle.db')}`);
    try {
      const t0 = 2_000_000;
      const clock = new ManualClock(t0);
      const limiter = createStoreRateLimiter({ store, limit: 4, windowMs: 1_000, clock, pace: false });
      const permits = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire('acct:Restart')));
      clock.advance(40);
      // Four answers after 40 ms: the 4th gives a credit of half the fastest round trip (20 ms).
      for (const permit of permits) permit.release({ roundTripMs: 40 });
      let fifth: number | undefined;
      void limiter.acquire('acct:Restart').then((permit) => {
        fifth = clock.now();
        permit.release();
      });
      for (let turn = 0; turn < 50 && clock.pendingSleepers === 0; turn += 1) await settle();
      // Recorded at admission + 100 ms (nothing learned yet), the entries would hold the slot until
      // t0 + 1,100; settled to the answer (t0 + 40, the last one t0 + 20), the slot frees at t0 + 1,020.
      for (let turn = 0; turn < 2_000 && fifth === undefined; turn += 1) {
        clock.advance(1);
        await settle();
      }
      expect(fifth).toBe(t0 + 1_020);
    } finally {
      await store.close();
    }
  });

  it('shares one budget between two stores on the same file, per key', async () => {
    const path = join(dir, 'shared.db');
    const first = await createStore(`sqlite:${path}`);
    const second = await createStore(`sqlite:${path}`);
    try {
      const clock = new ManualClock(5_000_000);
      const a = createStoreRateLimiter({ store: first, limit: 2, windowMs: 1_000, clock, pace: false });
      const b = createStoreRateLimiter({ store: second, limit: 2, windowMs: 1_000, clock, pace: false });
      (await a.acquire('acct:Stop')).release();
      (await b.acquire('acct:Stop')).release();
      let third = false;
      void b.acquire('acct:Stop').then(() => {
        third = true;
      });
      // Another action has its own budget.
      (await a.acquire('acct:Restart')).release();
      for (let turn = 0; turn < 20; turn += 1) await settle();
      expect(third).toBe(false);
      for (let turn = 0; turn < 50 && !third; turn += 1) {
        clock.advance(100);
        await settle();
      }
      expect(third).toBe(true);
      expect(clock.now()).toBeGreaterThanOrEqual(5_001_000);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('store-backed pacing', () => {
  it("spaces a cold instance's admissions by window/limit across instances, so it releases no burst", async () => {
    const path = join(dir, 'paced.db');
    const first = await createStore(`sqlite:${path}`);
    const second = await createStore(`sqlite:${path}`);
    try {
      const clock = new ManualClock(9_000_000);
      const limiters = [first, second].map((store) =>
        createStoreRateLimiter({ store, limit: 4, windowMs: 1_000, clock }),
      );
      const grants: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        void limiters[i % 2]?.acquire('acct:List').then((permit) => {
          grants.push(clock.now());
          permit.release();
        });
      }
      for (let step = 0; step < 100 && grants.length < 4; step += 1) {
        await settle();
        await settle();
        clock.advance(10);
      }
      expect(grants).toHaveLength(4);
      const sorted = [...grants].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i += 1) {
        expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(250);
      }
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('two function instances against the emulator', () => {
  // A fresh emulator per test: each starts from an empty server-side rate log.
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 40, tasks: 20, regions: ['cn-shanghai'] });
  });
  afterEach(async () => {
    await emulator.close();
  });

  const instance = (limiter: RateLimiter): AliyunClient =>
    createAliyunClient({
      config: {
        LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
        LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
        LIVEWATCH_API_PROTOCOL: 'http',
        LIVEWATCH_API_SIGNATURE: 'v3',
        LIVEWATCH_API_TIMEOUT_MS: 10_000,
        LIVEWATCH_API_DEADLINE_MS: 60_000,
        LIVEWATCH_API_QPS: 40,
      },
      credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
      accountId: 'acct-shared',
      limiter,
    });

  const burst = async (clients: AliyunClient[], perClient: number): Promise<number> => {
    const ids = emulator.tasks().map((task) => task.taskId);
    const before = emulator.stats().totals.throttled;
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: perClient }, (_, i) =>
          client.describeRelayTask({ region: 'cn-shanghai', taskId: ids[i % ids.length] as string }),
        ),
      ),
    );
    return emulator.stats().totals.throttled - before;
  };

  it('stays under the account limit together when they share the SQLite store', async () => {
    const path = join(dir, 'instances.db');
    const stores: Store[] = [await createStore(`sqlite:${path}`), await createStore(`sqlite:${path}`)];
    try {
      const clients = stores.map((store) =>
        instance(createStoreRateLimiter({ store, limit: 40, windowMs: 1_100, clock: systemClock })),
      );
      expect(await burst(clients, 60)).toBe(0);
      expect(clients.map((client) => client.stats().throttled)).toEqual([0, 0]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 60_000);

  it('exceeds it with separate in-process limiters (why the store is needed)', async () => {
    const clients = [0, 1].map(() =>
      instance(createMemoryRateLimiter({ limit: 40, windowMs: 1_100, clock: systemClock })),
    );
    expect(await burst(clients, 40)).toBeGreaterThan(0);
  }, 60_000);
});
