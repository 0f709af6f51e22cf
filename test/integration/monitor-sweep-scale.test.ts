import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';

describe('runSweep at scale', () => {
  let h: MonitorHarness;
  beforeAll(async () => {
    // The real 10 QPS belongs to the benchmark; here the same property (no throttled call) at 500 QPS.
    h = await startMonitorHarness({
      qps: 500,
      emulator: { tasks: 10_000, regions: ['cn-shanghai'], seed: 7 },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sweeps 10,000 tasks with no throttled call, then rewrites nothing on the next sweep', async () => {
    const first = await runSweep(h.deps);
    const listed = Object.values(first.tasks.relay).reduce((sum, count) => sum + (count ?? 0), 0);
    expect(listed).toBe(10_000);
    expect(first.complete).toBe(true);
    // 100 pages of 100, each asked for and answered: what the emulator saw. The client's own count
    // may be higher on a loaded machine — it resends a page whose answer came after its timeout
    // (the emulator shares this process's event loop) — so it is only a lower bound here.
    const pages = h.emulator.requests
      .filter((request) => request.action === 'DescribeLivePullToPushList' && request.status === 200)
      .map((request) => Number(request.params.PageNumber));
    expect([...new Set(pages)].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(first.apiCalls.byAction.DescribeLivePullToPushList).toBeGreaterThanOrEqual(100);
    expect(first.apiCalls.throttled).toBe(0);
    expect(h.emulator.stats().totals.throttled).toBe(0);
    expect(await h.store.snapshots.list('relay:cn-shanghai:')).toHaveLength(10_000);

    const second = await runSweep(h.deps);
    expect(second.snapshotWrites).toBe(0);
    expect(second.events).toEqual([]);
    expect(h.emulator.stats().totals.throttled).toBe(0);
  });
});
