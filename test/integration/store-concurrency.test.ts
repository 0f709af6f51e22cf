import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportLegNotRun, type StoreAdapterCase, storeAdapterCases } from '../support/store-adapters.js';
import { spawnStoreWorker } from '../support/store-workers.js';

/** The largest number of timestamps inside any window (t − windowMs, t]. */
function maxInAnyWindow(timestamps: readonly number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    const t = sorted[end] ?? 0;
    while ((sorted[start] ?? 0) <= t - windowMs) start += 1;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

describe.each(storeAdapterCases())('$name store across processes', (adapter: StoreAdapterCase) => {
  if (reportLegNotRun('store-concurrency', adapter)) return;

  beforeAll(() => adapter.start());
  afterAll(() => adapter.stop());

  it('holds the shared rate limit in every sliding window while two processes hammer it', async () => {
    const location = adapter.fresh();
    const job = {
      mode: 'rate',
      ...location,
      key: 'acct:DescribeLivePullToPushList',
      limit: 5,
      windowMs: 400,
    };
    const workers = [
      spawnStoreWorker({ ...job, durationMs: 2_000 }),
      spawnStoreWorker({ ...job, durationMs: 2_000 }),
    ];
    await Promise.all(workers.map((worker) => worker.waitForLine('ready')));
    for (const worker of workers) worker.go();
    const results = await Promise.all(
      workers.map(
        async (worker) =>
          JSON.parse((await worker.waitForLine('grants ')).slice(7)) as {
            grants: number[];
            firstAttempt: number;
            lastAttempt: number;
          },
      ),
    );
    const merged = results.flatMap((result) => result.grants);
    // Both processes really competed for the one log: their attempts overlapped in time (which of
    // them wins each slot is not fair under load, and need not be)…
    const [a, b] = results;
    expect(a && b && a.firstAttempt < b.lastAttempt && b.firstAttempt < a.lastAttempt).toBe(true);
    expect(merged.length).toBeGreaterThanOrEqual(5);
    // …and no window of 400 ms ever saw more than 5 grants between them.
    expect(maxInAnyWindow(merged, 400)).toBeLessThanOrEqual(5);
    expect(await Promise.all(workers.map((worker) => worker.exited()))).toEqual([0, 0]);
  });

  it('lets exactly one of 20 claimers in two processes win a key', async () => {
    const location = adapter.fresh();
    const workers = [0, 1].map(() =>
      spawnStoreWorker({ mode: 'claim', ...location, key: 'cb:once', claimers: 10 }),
    );
    await Promise.all(workers.map((worker) => worker.waitForLine('ready')));
    for (const worker of workers) worker.go();
    const wins = await Promise.all(
      workers.map(async (worker) => Number((await worker.waitForLine('wins ')).slice(5))),
    );
    expect((wins[0] ?? 0) + (wins[1] ?? 0)).toBe(1);
  });
});
