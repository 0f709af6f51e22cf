import { describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import type { TaskEvent } from '../../lib/events/task-event.js';
import type { ReadingsInput } from '../../local/emulator/index.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { RELAY_READINGS, uncoveredReadingChoices } from '../support/relay-readings.js';
import {
  type RemediateHarness,
  startRemediateHarness,
  threeFilePlaylist,
} from '../support/remediate-harness.js';

/**
 * livewatch's promises against every documented reading of the pages (test/support/relay-readings.ts):
 * the whole path — poller sweep → alert function → tick — over the emulator, counting the calls the
 * emulator received (its request ledger) and the interruptions it applied.
 */
const MIN = 60_000;
const cleanup = cleanupAfterEach();
/** The harness of the running test (started by its describe's `start`). */
let h: RemediateHarness;

/** One poller sweep, and the alert function on what it reported. */
async function sweepAndAlert(): Promise<TaskEvent[]> {
  const events = await h.sweep();
  if (events.length > 0) await handleEvents(h.deps, events);
  return events;
}

/**
 * Sweeps and ticks every `stepMs` for `forMs`, as the deployed timers would; `beforeLook` runs after
 * each step of the clock and before livewatch looks (e.g. a source coming back).
 */
async function watch(forMs: number, stepMs: number, beforeLook?: () => void): Promise<void> {
  for (let waited = 0; waited < forMs; waited += stepMs) {
    await h.advance(stepMs);
    beforeLook?.();
    await sweepAndAlert();
    await runTick(h.deps);
  }
}

/** The source comes back once the platform has given up (status 3), before livewatch looks. */
const healWhenStopped = (taskId: string) => () => {
  if (h.emulator.task(taskId)?.status === 3) h.emulator.faults.recoverSource({ taskId });
};

const restarts = () => h.calls('RestartLivePullToPush').length;

it('the matrix covers every relay reading the emulator models', () => {
  expect(uncoveredReadingChoices()).toEqual([]);
});

describe.each(RELAY_READINGS)('$name', ({ readings }: { readings: ReadingsInput }) => {
  async function start(env: Record<string, string> = {}): Promise<void> {
    h = cleanup.close(
      await startRemediateHarness({
        emulator: { readings },
        env: { LIVEWATCH_API_TIMEOUT_MS: '300', ...env },
      }),
    );
  }

  it('never restarts a task a user stopped: zero Restart calls over 6 h, at most one notice', async () => {
    await start();
    h.addRunningTask('user-1');
    await sweepAndAlert();
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'user-1' });
    await watch(6 * 60 * MIN, 10 * MIN);

    expect(restarts()).toBe(0);
    expect(h.emulator.task('user-1')?.status).toBe(3);
    expect(
      h.notifier.notices.filter((n) => n.status === 'firing' && n.resource?.id === 'user-1').length,
    ).toBeLessThanOrEqual(1);
  });

  it('takes a stop a TriggerByUser callback reported as the user’s until the task runs again', async () => {
    await start({ LIVEWATCH_RESTART_UNEXPLAINED_STOPS: 'true' });
    h.addRunningTask('user-2');
    await sweepAndAlert();
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'user-2' });
    await handleEvents(h.deps, [h.eventFor('user-2', 'offline', { reason: 'TriggerByUser' })]);
    await watch(2 * 60 * MIN, 10 * MIN);
    expect(restarts()).toBe(0);
  });

  it('restarts a failed live task once per decision: one interruption, even when the answer is lost', async () => {
    await start();
    h.addRunningTask('fail-1', { retryCount: 3, retryInterval: 60 });
    await sweepAndAlert();
    h.emulator.faults.failSource({ taskId: 'fail-1' });
    // The platform retries (late under some readings) and stops the task; livewatch sends nothing meanwhile.
    await watch(4 * MIN, 10_000, () => {
      if (h.emulator.task('fail-1')?.status === 2) expect(restarts()).toBe(0);
      healWhenStopped('fail-1')();
    });
    expect(h.emulator.task('fail-1')?.status).toBe(1);
    expect(restarts()).toBe(1);
    // Restarted while stopped: nothing was interrupted.
    expect(h.emulator.task('fail-1')?.interruptions).toBe(0);

    // It fails again, and the answer to the next Restart is lost (a 5xx: before or after it applied).
    h.emulator.faults.failSource({ taskId: 'fail-1' });
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'RestartLivePullToPush', next: 1 });
    await watch(10 * MIN, 10_000, healWhenStopped('fail-1'));
    expect(h.emulator.task('fail-1')?.status).toBe(1);
    // Never resent blindly: the lost Restart, then at most one more after the backoff (when the lost
    // one had not applied). The platform had stopped the task each time: no interruption at all.
    expect(restarts()).toBeGreaterThanOrEqual(2);
    expect(restarts()).toBeLessThanOrEqual(3);
    expect(h.emulator.task('fail-1')?.interruptions).toBe(0);
  });

  it('sends nothing while the platform retries, however late, when the retry heals the task', async () => {
    await start();
    h.addRunningTask('heal-1', { retryCount: 3, retryInterval: 60 });
    await sweepAndAlert();
    h.emulator.faults.failSource({ taskId: 'heal-1' });
    await h.advance(1_000);
    await sweepAndAlert();
    // The source comes back just before the last retry (180 s, plus the reading's lag).
    await watch(170_000, 10_000);
    h.emulator.faults.recoverSource({ taskId: 'heal-1' });
    await watch(90_000, 10_000);
    expect(h.emulator.task('heal-1')?.status).toBe(1);
    expect(h.emulator.stats().mutations.map((m) => m.action)).toEqual([]);
    expect(h.emulator.task('heal-1')?.interruptions).toBe(0);
  });

  it('resumes a VOD task at its file, never sends Offset 0, and never replays the whole list', async () => {
    await start();
    h.addRunningTask('vod-1', threeFilePlaylist(h.clock.now()));
    await sweepAndAlert();
    await h.advance(150_000); // 50 s into file 1
    await sweepAndAlert();
    h.emulator.faults.failSource({ taskId: 'vod-1' });
    await watch(4 * MIN, 10_000, healWhenStopped('vod-1'));
    expect(restarts()).toBe(1);
    const task = h.emulator.task('vod-1');
    expect(task?.status).toBe(1);
    expect(task?.fileIndex).toBe(1);
    expect(h.calls('UpdateLivePullToPush').map((c) => c.params.Offset)).not.toContain('0');
    // Exact where the reading applies Offset to the start file; else file 1 from 0 s (a replay, no skip).
    expect(task?.currentFileIndex).toBe(1);
  });

  it('does not replay a VOD playlist that played to its end', async () => {
    await start();
    h.addRunningTask('end-1', {
      sourceType: 'vod',
      sourceUrls: ['https://vod.example.com/a.mp4', 'https://vod.example.com/b.mp4'],
      fileDurations: [60, 60],
      repeatNumber: 0,
      startAt: h.clock.now(),
    });
    await sweepAndAlert();
    await watch(60 * MIN, 5 * MIN);
    expect(restarts()).toBe(0);
  });
});
