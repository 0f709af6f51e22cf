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
    expect(first.apiCalls.byAction.DescribeLivePullToPushList).toBe(100);
    expect(first.apiCalls.throttled).toBe(0);
    expect(h.emulator.stats().totals.throttled).toBe(0);
    expect(await h.store.snapshots.list('relay:cn-shanghai:')).toHaveLength(10_000);

    const second = await runSweep(h.deps);
    expect(second.snapshotWrites).toBe(0);
    expect(second.events).toEqual([]);
    expect(h.emulator.stats().totals.throttled).toBe(0);
  });
});
