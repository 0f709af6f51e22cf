import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { restartOnRequest } from '../../lib/remediate/restart-on-request.js';
import type { TaskInit } from '../../local/emulator/index.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/**
 * "Exactly one interruption per decision even when the answer to Restart, Stop or Update is lost"
 * (docs/alert.md, "Ledger states"): the emulator's `faultPhase: after` reading applies the action,
 * then loses its answer. livewatch never resends blindly: it records the attempt as unknown,
 * describes the task again and decides afresh under the same lease and budget.
 */
const MIN = 60_000;
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

const VOD: TaskInit = {
  sourceType: 'vod',
  sourceUrls: ['https://vod.example.com/a.mp4', 'https://vod.example.com/b.mp4'],
  fileDurations: [100, 600],
  currentFileIndex: 0,
  currentOffset: 0,
};

async function start(env: Record<string, string> = {}): Promise<RemediateHarness> {
  h = await startRemediateHarness({
    // The platform's last retry runs late, so the task is still retrying after livewatch's grace:
    // livewatch's restart (or its Stop before a resume) interrupts it.
    env: { LIVEWATCH_RECOVERING_GRACE_S: '30', ...env },
  });
  // `start-file`: Offset applies to the file at FileIndex (file 1 here), so the resumed offset shows.
  h.emulator.readings.set({ faultPhase: 'after', retryLagMs: 60 * MIN, offsetAppliesTo: 'start-file' });
  return h;
}

/** A task retrying for 2 min (past the 30 s grace) whose source is back for the next pull. */
async function retryingPastGrace(taskId: string, init: TaskInit = {}): Promise<void> {
  h.addRunningTask(taskId, { startAt: h.clock.now(), ...init });
  await h.advance(150_000);
  h.emulator.faults.failSource({ taskId });
  await h.advance(1_000);
  await handleEvents(h.deps, [h.eventFor(taskId, 'recovering', { source: 'poll' })]);
  await h.advance(2 * MIN);
  expect(h.emulator.task(taskId)?.status).toBe(2);
  h.emulator.faults.recoverSource({ taskId });
}

const mutations = () => h.emulator.stats().mutations.map((m) => `${m.action}:${m.answered ? 'ok' : 'lost'}`);

/** The VOD task retries past the grace and the next `action` call fails (`kind`): one tick resumes it at 1/50 s. */
async function resumeThroughFault(taskId: string, action: string, kind: '5xx' | 'timeout'): Promise<void> {
  await retryingPastGrace(taskId, VOD);
  h.emulator.faults.apiFaults({ kind, rate: 1, action, next: 1 });
  const tick = await runTick(h.deps);
  expect(tick.outcomes[0]).toMatchObject({ action: 'restarted', resumed: { fileIndex: 1, offset: 50 } });
}

/**
 * The emulator applied a resume's Stop, Update and Restart once each, only `lost`'s answer lost (none
 * when undefined), and the task runs again from file 1, interrupted once.
 */
function expectResumedOnce(taskId: string, lost?: string): void {
  const resume = ['StopLivePullToPush', 'UpdateLivePullToPush', 'RestartLivePullToPush'];
  expect(mutations()).toEqual(resume.map((action) => `${action}:${action === lost ? 'lost' : 'ok'}`));
  expect(h.emulator.task(taskId)).toMatchObject({ status: 1, interruptions: 1, currentFileIndex: 1 });
}

describe('a mutation whose answer is lost after it applied', () => {
  it.each(['5xx', 'timeout'] as const)(
    'Restart (%s): one Restart, one interruption, described again, counted once, one notice',
    async (kind) => {
      await start({ LIVEWATCH_API_TIMEOUT_MS: '300' });
      await retryingPastGrace('lost-restart');
      h.emulator.faults.apiFaults({ kind, rate: 1, action: 'RestartLivePullToPush', next: 1 });
      const describesBefore = h.calls('DescribeLivePullToPush').length;

      const tick = await runTick(h.deps);

      expect(h.emulator.task('lost-restart')).toMatchObject({ status: 1, interruptions: 1 });
      expect(mutations()).toEqual(['RestartLivePullToPush:lost']);
      // Verified before deciding, and once more after the lost answer.
      expect(h.calls('DescribeLivePullToPush').length - describesBefore).toBe(2);
      expect(tick.outcomes[0]).toMatchObject({ action: 'healthy' });
      const ledger = (await h.store.ledgers.get(h.key('lost-restart')))?.value;
      expect(ledger?.restarts).toHaveLength(1);
      expect(ledger).not.toHaveProperty('attempt');
      const types = (await h.store.getHistory(h.key('lost-restart'))).map((e) => e.type);
      expect(types.slice(0, 3)).toEqual(['restart-ok', 'restart-unconfirmed', 'restart-unknown']);
      expect(h.notifier.of('Restarted')).toHaveLength(1);
      expect(h.notifier.of('Restarted')[0]?.text).toContain('not confirmed');

      // Later ticks do not restart it again.
      await h.advance(10 * MIN);
      await runTick(h.deps);
      expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
      expect(h.emulator.task('lost-restart')?.interruptions).toBe(1);
    },
  );

  it('Restart of a task still failing afterwards: the lost restart counts, so the backoff holds the next one', async () => {
    await start();
    await retryingPastGrace('lost-still-failing');
    h.emulator.faults.failSource({ taskId: 'lost-still-failing' });
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'RestartLivePullToPush', next: 1 });

    const tick = await runTick(h.deps);

    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    expect(h.emulator.task('lost-still-failing')?.interruptions).toBe(1);
    expect(tick.outcomes[0]).toMatchObject({ action: 'waiting' });
    expect(tick.outcomes[0]?.reason).toContain('backing off after 1 restart');
    const ledger = (await h.store.ledgers.get(h.key('lost-still-failing')))?.value;
    expect(ledger).toMatchObject({ restarts: [h.clock.now()], consecutive: 1 });
  });

  it.each(['5xx', 'timeout'] as const)(
    'Stop before a resume (%s): described again (stopped by our Stop), then Update + Restart — one interruption',
    async (kind) => {
      await start({ LIVEWATCH_API_TIMEOUT_MS: '300' });
      await resumeThroughFault('lost-stop', 'StopLivePullToPush', kind);

      expectResumedOnce('lost-stop', 'StopLivePullToPush');
      const ledger = (await h.store.ledgers.get(h.key('lost-stop')))?.value;
      expect(ledger?.restarts).toHaveLength(1);
      const unconfirmed = (await h.store.getHistory(h.key('lost-stop'))).find(
        (e) => e.type === 'restart-unconfirmed',
      );
      expect(unconfirmed?.data).toMatchObject({
        action: 'StopLivePullToPush',
        counted: false,
        state: 'offline',
      });
      expect(h.notifier.of('Resumed')).toHaveLength(1);
    },
  );

  it.each(['invalid-reason', 'exit-reason', 'no-reason'] as const)(
    'Stop before a resume, answer lost, whichever way our Stop shows (%s): ours, so resumed — never left stopped',
    async (userStop) => {
      await start();
      h.emulator.readings.set({ userStop });
      await resumeThroughFault('lost-stop-shape', 'StopLivePullToPush', '5xx');

      expect(h.emulator.task('lost-stop-shape')).toMatchObject({ status: 1, interruptions: 1 });
      expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    },
  );

  it.each(['5xx', 'timeout'] as const)(
    'Update of the resume point (%s): described again, it shows the point set, so no second Update — Restart; one interruption',
    async (kind) => {
      await start({ LIVEWATCH_API_TIMEOUT_MS: '300' });
      await resumeThroughFault('lost-update', 'UpdateLivePullToPush', kind);

      expectResumedOnce('lost-update', 'UpdateLivePullToPush');
      expect(Math.floor(h.emulator.task('lost-update')?.currentOffset ?? -1)).toBe(50);
      expect((await h.store.ledgers.get(h.key('lost-update')))?.value.restarts).toHaveLength(1);
    },
  );

  it('Update answered 5xx before it applied: described again, the point is not set, so the Update is sent again while stopped', async () => {
    await start();
    h.emulator.readings.set({ faultPhase: 'before' });
    await resumeThroughFault('update-not-applied', 'UpdateLivePullToPush', '5xx');

    expectResumedOnce('update-not-applied');
    expect(h.calls('UpdateLivePullToPush')).toHaveLength(2);
  });

  it('a forced manual restart whose answer is lost is not repeated: --force asked for one restart', async () => {
    await start();
    h.addRunningTask('lost-force');
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'RestartLivePullToPush', next: 1 });

    const outcome = await restartOnRequest(h.deps, {
      regions: ['cn-shanghai'],
      taskId: 'lost-force',
      force: true,
    });

    expect(outcome.action).toBe('skipped');
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    expect(h.emulator.task('lost-force')).toMatchObject({ status: 1, interruptions: 1 });
  });

  it('answers lost every time: at most three decisions, then the tick takes over; never a loop', async () => {
    await start();
    h.emulator.readings.set({ faultPhase: 'before' });
    await retryingPastGrace('lost-always', VOD);
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'UpdateLivePullToPush' });

    const tick = await runTick(h.deps);

    expect(tick.outcomes[0]).toMatchObject({ action: 'failed' });
    expect(tick.outcomes[0]?.reason).toContain('the next tick looks again');
    expect(h.calls('UpdateLivePullToPush')).toHaveLength(3);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);
    expect(h.emulator.task('lost-always')?.interruptions).toBe(1);
    const ledger = (await h.store.ledgers.get(h.key('lost-always')))?.value;
    expect(ledger?.attempt).toMatchObject({ state: 'unknown', action: 'UpdateLivePullToPush' });
    expect(ledger?.nextAttemptAt).toBe(h.clock.now() + 60_000);
  });
});
