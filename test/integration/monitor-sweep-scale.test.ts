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
      // 20 pages in flight against a slow emulator must not time out and retry.
      env: { LIVEWATCH_API_TIMEOUT_MS: '60000', LIVEWATCH_API_DEADLINE_MS: '120000' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  // Generous timeout: the emulator re-evaluates every task's life cycle on every request (~300 ms per
  // page at 10,000 tasks), which dominates; the sweep itself adds little (bench/sweep.ts).
  it('sweeps 10,000 tasks with no throttled call, then rewrites nothing on the next sweep', {
    timeout: 180_000,
  }, async () => {
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
