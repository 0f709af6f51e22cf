import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/**
 * The platform's retries running late (the emulator's `retryLagMs` reading): each retry, and the stop
 * after the last, comes 40 s after its time, so the last retry of 3 × 60 s runs at 220 s — past
 * RetryCount × RetryInterval (180 s) and past the margin (30 s) too. livewatch must not act during it.
 */
const LAG_MS = 40_000;
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

async function failingTask(taskId: string): Promise<void> {
  h = await startRemediateHarness();
  h.emulator.readings.set({ retryLagMs: LAG_MS });
  h.addRunningTask(taskId, { retryCount: 3, retryInterval: 60 });
  h.emulator.faults.failSource({ taskId });
  const first = await handleEvents(h.deps, [
    h.eventFor(taskId, 'recovering', { reason: 'PullStreamFailed' }),
  ]);
  expect(first.outcomes[0]).toMatchObject({ action: 'waiting' });
}

describe('late platform retries (retryLagMs)', () => {
  it('sends nothing during the late last retry, which heals the task', async () => {
    await failingTask('late-1');
    // The margin ends at 210 s: the tick looks again, sees it still retrying, and waits.
    await h.advance(210_000);
    expect(h.emulator.task('late-1')?.status).toBe(2);
    const look = await runTick(h.deps);
    expect(look.outcomes).toEqual([
      expect.objectContaining({ action: 'waiting', reason: expect.stringContaining('running late') }),
    ]);
    // The source comes back before the last retry (220 s), which brings the task back.
    h.emulator.faults.recoverSource({ taskId: 'late-1' });
    await h.advance(11_000);
    expect(h.emulator.task('late-1')?.status).toBe(1);
    await h.advance(19_000); // the re-check livewatch scheduled (210 s + 30 s)
    const after = await runTick(h.deps);
    expect(after.outcomes.map((o) => o.action)).toEqual(['healthy']);

    expect(h.calls('RestartLivePullToPush')).toEqual([]);
    expect(h.calls('StopLivePullToPush')).toEqual([]);
    expect(h.emulator.task('late-1')?.interruptions).toBe(0);
  });

  it('restarts once the late last retry failed and the task is seen stopped, not before', async () => {
    await failingTask('late-2');
    await h.advance(210_000);
    await runTick(h.deps);
    await h.advance(9_000); // 219 s: the last retry has not run yet
    await runTick(h.deps);
    expect(h.calls('RestartLivePullToPush')).toEqual([]);

    await h.advance(1_000); // 220 s: the last retry fails; the platform stops the task
    expect(h.emulator.task('late-2')?.status).toBe(3);
    h.emulator.faults.recoverSource({ taskId: 'late-2' });
    const report = await handleEvents(h.deps, [
      h.eventFor('late-2', 'offline', { reason: 'PullStreamFailed' }),
    ]);
    expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
  });

  it('restarts a task still retrying after twice its retry window plus the margin (stuck)', async () => {
    // Retries 5 min late: the platform would stop the task only at 480 s.
    h = await startRemediateHarness();
    h.emulator.readings.set({ retryLagMs: 300_000 });
    h.addRunningTask('stuck-2', { retryCount: 3, retryInterval: 60 });
    h.emulator.faults.failSource({ taskId: 'stuck-2' });
    const start = h.clock.now();
    await handleEvents(h.deps, [h.eventFor('stuck-2', 'recovering', { reason: 'PullStreamFailed' })]);
    for (const at of [210_000, 240_000, 270_000, 300_000, 330_000, 360_000]) {
      await h.advance(at - (h.clock.now() - start));
      expect((await runTick(h.deps)).outcomes.map((o) => o.action)).toEqual(['waiting']);
    }
    expect(h.calls('RestartLivePullToPush')).toEqual([]);
    // 2 × 180 s + 30 s = 390 s: taken for stuck.
    await h.advance(30_000);
    expect(h.emulator.task('stuck-2')?.status).toBe(2);
    const tick = await runTick(h.deps);
    expect(tick.outcomes.map((o) => o.action)).toEqual(['restarted']);
  });
});
