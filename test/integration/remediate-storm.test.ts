import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

const HOUR = 3_600_000;
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

describe('a storm of failing tasks in one batch', () => {
  it('restarts every task once, with the real notifier and store under concurrent writes', async () => {
    // The emulator and client run at a high QPS here; the real 10 QPS figure is bench/remediate.ts.
    h = await startRemediateHarness({ env: { LIVEWATCH_BREAKER_THRESHOLD: '100000' } });
    const ids = Array.from({ length: 300 }, (_, i) => `storm-${i}`);
    for (const [i, id] of ids.entries()) {
      h.emulator.addTask({
        taskId: id,
        region: 'cn-shanghai',
        sourceUrls: [`rtmp://origin-${i % 7}.example.com/live/${id}`],
        startAt: h.clock.now() - HOUR,
        endAt: h.clock.now() + HOUR,
      });
      h.emulator.setTaskStatus(id, 3, 'PullStreamFailed');
    }
    const report = await handleEvents(
      h.deps,
      ids.map((id) => h.eventFor(id, 'offline', { source: 'poll' })),
    );

    expect(report.failures).toEqual([]);
    expect(report.outcomes.filter((o) => o.action === 'restarted')).toHaveLength(300);
    expect(new Set(h.calls('RestartLivePullToPush').map((c) => c.params.TaskId)).size).toBe(300);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(300);
    expect(h.emulator.stats().totals.throttled).toBe(0);
    expect(h.notifier.of('Restarted')).toHaveLength(300);
  });
});
