import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { remediateTask } from '../../lib/remediate/remediate-task.js';
import { policyFromConfig } from '../../lib/remediate/remediation-policy.js';
import {
  type RemediateHarness,
  startRemediateHarness,
  threeFilePlaylist,
} from '../support/remediate-harness.js';

const HOUR = 3_600_000;
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

const MUTATING = [
  'RestartLivePullToPush',
  'UpdateLivePullToPush',
  'StopLivePullToPush',
  'DeleteLivePullToPush',
];

/**
 * A user stops `taskId` through the API and the poller reports it offline with no reason: livewatch
 * skips it without a Restart call. Returns what the history recorded for the skip.
 */
async function skipAfterUserStop(taskId: string): Promise<unknown> {
  h.addRunningTask(taskId);
  await h.client.stopRelayTask({ region: 'cn-shanghai', taskId });
  const report = await handleEvents(h.deps, [h.eventFor(taskId, 'offline', { source: 'poll' })]);
  expect(report.outcomes[0]).toMatchObject({ action: 'skipped' });
  expect(h.calls('RestartLivePullToPush')).toHaveLength(0);
  const [latest] = await h.store.getHistory(h.key(taskId), 1);
  return latest?.data;
}

describe('alert remediation against the emulator', () => {
  it('restarts once for duplicate and concurrent deliveries of an offline task', async () => {
    h = await startRemediateHarness();
    h.addOfflineTask('dup-1');
    const fromCallback = h.eventFor('dup-1', 'offline', { reason: 'PullStreamFailed' });
    const fromPoll = h.eventFor('dup-1', 'offline', { source: 'poll' });

    const reports = await Promise.all([
      handleEvents(h.deps, [fromCallback]),
      handleEvents(h.deps, [fromCallback]),
      handleEvents(h.deps, [fromPoll]),
      handleEvents(h.deps, [fromCallback, fromPoll]),
    ]);
    // FC re-runs the same event later: still no second restart.
    reports.push(await handleEvents(h.deps, [fromCallback]));

    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    expect(h.emulator.task('dup-1')?.status).toBe(1);
    expect(reports.reduce((sum, r) => sum + r.duplicates, 0)).toBeGreaterThanOrEqual(3);
    const history = await h.store.getHistory(h.key('dup-1'));
    expect(history.filter((entry) => entry.type === 'restart')).toHaveLength(1);
  });

  it('does not restart a running task on a forged offline event, and records the verified state', async () => {
    h = await startRemediateHarness();
    h.addRunningTask('forged-1');
    const report = await handleEvents(h.deps, [
      h.eventFor('forged-1', 'offline', { reason: 'PullStreamFailed' }),
    ]);

    expect(report.outcomes[0]?.action).toBe('healthy');
    expect(h.calls('DescribeLivePullToPush')).toHaveLength(1);
    expect(h.emulator.requests.filter((r) => MUTATING.includes(r.action))).toHaveLength(0);
    const [entry] = await h.store.getHistory(h.key('forged-1'), 1);
    expect(entry).toMatchObject({ type: 'verify', data: { eventState: 'offline', state: 'running' } });
    const snapshot = await h.store.snapshots.get(h.key('forged-1'));
    expect(snapshot?.value.resource.kind === 'relay' && snapshot.value.resource.state).toBe('running');
  });

  it('never restarts a task a user stopped through the API', async () => {
    h = await startRemediateHarness();
    // The poller's event carries no reason: the verified TaskInvalidReason (TriggerByUser) decides.
    // The label follows the active reading (a bare status 3 is the no-reason deliberate stop).
    expect(await skipAfterUserStop('user-1')).toMatchObject({ reason: h.userStopReason() });
  });

  it('never restarts a task a person stopped right after livewatch restarted it', async () => {
    h = await startRemediateHarness();
    h.addRunningTask('stop-after');
    h.emulator.setTaskStatus('stop-after', 3, 'PullStreamFailed');
    await handleEvents(h.deps, [h.eventFor('stop-after', 'offline', { reason: 'PullStreamFailed' })]);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);

    // Before livewatch has seen it run, the on-call engineer stops it (the platform's callback, then
    // the poller's look, then the tick long after): ours was the Restart, this Stop is a person's.
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'stop-after' });
    const report = await handleEvents(h.deps, [
      h.eventFor('stop-after', 'offline', { reason: 'TriggerByUser' }),
      h.eventFor('stop-after', 'offline', { source: 'poll' }),
    ]);
    expect(report.outcomes[0]).toMatchObject({ action: 'skipped' });
    await h.advance(HOUR);
    await runTick(h.deps);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    expect(h.emulator.task('stop-after')?.status).toBe(3);
  });

  it.each([
    ['invalid-reason', 'user-stop'],
    ['exit-reason', 'user-stop'],
    ['no-reason', 'no-reason-stop'],
  ] as const)(
    'never restarts a user-stopped task whose stop shows as the %s reading ("TriggerByUser" under TaskInvalidReason on the callback page, under TaskExitReason on the list page, or a bare status 3 "stopped")',
    async (userStop, reason) => {
      h = await startRemediateHarness();
      h.emulator.readings.set({ userStop });
      expect(await skipAfterUserStop('user-2')).toMatchObject({ reason });
    },
  );

  it('keeps a stop a TriggerByUser callback reported as a user stop, though the API later shows no reason, until the task runs again', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_RESTART_UNEXPLAINED_STOPS: 'true' } });
    h.emulator.readings.set({ userStop: 'no-reason' });
    h.addRunningTask('user-3');
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'user-3' });
    // The callback said TriggerByUser; Describe shows a bare status 3.
    await handleEvents(h.deps, [h.eventFor('user-3', 'offline', { reason: 'TriggerByUser' })]);
    // Later looks carry no reason (the tick, a poll event): still the user's stop, restarts stay off.
    await h.advance(3_600_000);
    const later = await handleEvents(h.deps, [h.eventFor('user-3', 'offline', { source: 'poll' })]);
    expect(later.outcomes[0]).toMatchObject({
      action: 'skipped',
      reason: 'stopped by a user (TriggerByUser)',
    });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);

    // Someone starts it again and it runs: the mark goes, and a later bare stop is restarted (the setting).
    await h.client.restartRelayTask({ region: 'cn-shanghai', taskId: 'user-3' });
    await handleEvents(h.deps, [h.eventFor('user-3', 'running')]);
    expect((await h.store.ledgers.get(h.key('user-3')))?.value).not.toHaveProperty('deliberateStop');
    h.emulator.setTaskStatus('user-3', 3);
    const bare = await handleEvents(h.deps, [h.eventFor('user-3', 'offline', { source: 'poll' })]);
    expect(bare.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(2);
  });

  it.each([
    ['start-file', 50],
    ['playlist-first', 0],
  ] as const)(
    'resumes a VOD task at the file and offset where it stopped (Offset "applies only to the first video in the playlist": %s reading)',
    async (offsetAppliesTo, playedFrom) => {
      h = await startRemediateHarness();
      h.emulator.readings.set({ offsetAppliesTo });
      h.addRunningTask('vod-1', threeFilePlaylist(h.clock.now()));
      await h.advance(150_000); // 100 s into file 0 and 50 s into file 1
      h.emulator.faults.failSource({ taskId: 'vod-1' });
      await h.advance(1_000);
      // The platform's 3 retries × 60 s (late under some readings), then offline.
      await h.advanceUntil(() => h.emulator.task('vod-1')?.status === 3, 'vod-1 stopped');
      h.emulator.faults.recoverSource({ taskId: 'vod-1' });

      const report = await handleEvents(h.deps, [
        h.eventFor('vod-1', 'offline', { reason: 'PullStreamFailed' }),
      ]);

      expect(report.outcomes[0]).toMatchObject({
        action: 'restarted',
        resumed: { fileIndex: 1, offset: 50 },
      });
      const update = h.calls('UpdateLivePullToPush');
      expect(update).toHaveLength(1);
      expect(update[0]?.params).toMatchObject({ FileIndex: '1', Offset: '50' });
      const order = h.emulator.requests.map((r) => r.action).filter((a) => MUTATING.includes(a));
      expect(order).toEqual(['UpdateLivePullToPush', 'RestartLivePullToPush']);
      const task = h.emulator.task('vod-1');
      expect(task).toMatchObject({ status: 1, currentFileIndex: 1, fileIndex: 1, offset: 50 });
      // FileIndex 1 either way; the Offset plays only where the reading applies it (else file 1 from 0 s:
      // a replay, never a skip).
      expect(Math.floor(task?.currentOffset ?? -1)).toBe(playedFrom);
      const history = await h.store.getHistory(h.key('vod-1'), 1);
      expect(history[0]?.type).toBe('resume');
      expect(h.notifier.of('Resumed')).toHaveLength(1);
    },
  );

  it('overrides an Offset left from an earlier resume when resuming at the start of a later file', async () => {
    h = await startRemediateHarness();
    h.emulator.readings.set({ offsetAppliesTo: 'start-file' });
    // An earlier resume left FileIndex 0 / Offset 30 configured; the task has since reached file 2.
    h.addRunningTask('vod-2', {
      sourceType: 'vod',
      sourceUrls: [
        'https://vod.example.com/a.mp4',
        'https://vod.example.com/b.mp4',
        'https://vod.example.com/c.mp4',
      ],
      fileDurations: [100, 100, 100],
      offset: 30,
      fileIndex: 0,
      currentFileIndex: 2,
      currentOffset: 0,
    });
    h.emulator.setTaskStatus('vod-2', 3, 'PullStreamFailed');
    const report = await handleEvents(h.deps, [
      h.eventFor('vod-2', 'offline', { reason: 'PullStreamFailed' }),
    ]);

    expect(report.outcomes[0]).toMatchObject({ action: 'restarted', resumed: { fileIndex: 2, offset: 1 } });
    expect(h.calls('UpdateLivePullToPush')[0]?.params).toMatchObject({ FileIndex: '2', Offset: '1' });
    expect(h.calls('UpdateLivePullToPush').map((c) => c.params.Offset)).not.toContain('0');
    // File 2 from 1 s, not from the old 30 s.
    expect(h.emulator.task('vod-2')).toMatchObject({ currentFileIndex: 2, offset: 1 });
    expect(Math.floor(h.emulator.task('vod-2')?.currentOffset ?? -1)).toBe(1);
  });

  it('follows a new TaskId returned by Restart, moving ledger and history and keeping the lineage', async () => {
    h = await startRemediateHarness({ emulator: { restartNewTaskId: true } });
    h.addRunningTask('old-1');
    h.emulator.setTaskStatus('old-1', 3, 'PushStreamFailed');
    await handleEvents(h.deps, [h.eventFor('old-1', 'offline', { reason: 'PushStreamFailed' })]);
    const history = await h.store.getHistory(h.key('old-1'));
    expect(history).toHaveLength(0);

    const [task] = h.emulator.tasks();
    const newId = task?.taskId ?? '';
    expect(newId).not.toBe('old-1');
    expect(task?.previousTaskIds).toEqual(['old-1']);
    const ledger = await h.store.ledgers.get(h.key(newId));
    expect(ledger?.value).toMatchObject({ taskId: newId, lineage: ['old-1'], restarts: [h.clock.now()] });
    expect(await h.store.ledgers.get(h.key('old-1'))).toBeUndefined();
    const moved = await h.store.getHistory(h.key(newId));
    expect(moved[0]).toMatchObject({ type: 'restart', data: { previousTaskId: 'old-1', newTaskId: newId } });

    // The Running state of the new task is "restarted OK", not an external recovery.
    await handleEvents(h.deps, [h.eventFor(newId, 'running')]);
    expect((await h.store.getHistory(h.key(newId), 1))[0]?.type).toBe('restart-ok');
    expect(h.notifier.of('Recovered')).toHaveLength(0);
  });

  it('calls no mutating action in dry-run, but decides and notifies "would restart"', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_DRY_RUN: 'true' } });
    h.addRunningTask('dry-1', {
      sourceType: 'url',
      sourceUrls: ['https://files.example.com/a.mp4'],
      currentOffset: 30,
    });
    h.emulator.setTaskStatus('dry-1', 3, 'PullStreamFailed');
    const report = await handleEvents(h.deps, [h.eventFor('dry-1', 'offline')]);

    expect(report.outcomes[0]).toMatchObject({ action: 'would-restart' });
    expect(h.emulator.stats().mutations).toHaveLength(0);
    expect(h.emulator.requests.filter((r) => MUTATING.includes(r.action))).toHaveLength(0);
    expect(h.notifier.of('WouldRestart')).toHaveLength(1);
    expect((await h.store.getHistory(h.key('dry-1'), 1))[0]?.type).toBe('would-restart');
  });

  it('verifies a large batch with one listing sweep instead of a describe per task', async () => {
    h = await startRemediateHarness({
      env: { LIVEWATCH_VERIFY_LIST_THRESHOLD: '5', LIVEWATCH_BREAKER_THRESHOLD: '100' },
    });
    const ids = Array.from({ length: 8 }, (_, i) => `bulk-${i}`);
    for (const id of ids) {
      h.addOfflineTask(id);
    }
    const report = await handleEvents(
      h.deps,
      ids.map((id) => h.eventFor(id, 'offline')),
    );

    expect(h.calls('DescribeLivePullToPush')).toHaveLength(0);
    expect(h.calls('DescribeLivePullToPushList').length).toBeGreaterThan(0);
    expect(report.outcomes.filter((o) => o.action === 'restarted')).toHaveLength(8);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(8);
  });

  it('leaves tasks it cannot reach within the time budget to the next tick, losing none', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_BREAKER_THRESHOLD: '100' } });
    const ids = ['late-1', 'late-2', 'late-3'];
    for (const id of ids) {
      h.addOfflineTask(id);
    }
    const report = await handleEvents(
      h.deps,
      ids.map((id) => h.eventFor(id, 'offline')),
      { budgetMs: 0 },
    );
    expect(report.outcomes.map((o) => o.action)).toEqual(['deferred', 'deferred', 'deferred']);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);

    const tick = await runTick(h.deps);
    expect(tick.outcomes.map((o) => o.action).sort()).toEqual(['restarted', 'restarted', 'restarted']);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(3);
  });

  it('alerts on record and transcode jobs without calling the API', async () => {
    h = await startRemediateHarness();
    const base = { trigger: 'transition' as const, observedAt: h.clock.now(), source: 'poll' as const };
    const report = await handleEvents(h.deps, [
      {
        ...base,
        resource: { kind: 'record', id: 'rec-1', region: 'cn-shanghai' },
        state: 'paused',
        key: 'ev_rec_1',
      },
      {
        ...base,
        resource: { kind: 'transcode', id: 'tc-1', region: 'cn-shanghai' },
        state: 'gone',
        trigger: 'disappeared',
        key: 'ev_tc_1',
      },
    ]);

    expect(report).toMatchObject({ jobEvents: 2, outcomes: [] });
    expect(h.emulator.requests).toHaveLength(0);
    expect(h.notifier.of('RecordPaused')).toHaveLength(1);
    expect(h.notifier.of('Disappeared')).toHaveLength(1);
    expect((await h.store.getHistory('record:cn-shanghai:rec-1'))[0]).toMatchObject({ type: 'alert' });
  });

  it("warns about a task still idle past its StartTime (the poller's stuck report) and resolves it when it runs", async () => {
    h = await startRemediateHarness();
    const policy = policyFromConfig(h.config);
    const now = h.clock.now();
    // The emulator starts tasks on time, so the stuck platform state is given as the verified task.
    const idle = {
      kind: 'relay' as const,
      taskId: 'late-start-1',
      region: 'cn-shanghai',
      status: 0,
      state: 'idle' as const,
      startTime: new Date(now - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      endTime: new Date(now + HOUR).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      sourceUrls: ['rtmp://origin.example.com/live/x'],
    };
    const base = {
      key: h.key('late-start-1'),
      ref: { region: 'cn-shanghai', taskId: 'late-start-1' },
      verifiedAt: now,
      stateSince: now,
    };
    const stuck = await remediateTask(
      h.deps,
      policy,
      { ...base, verified: idle, hint: { state: 'idle', observedAt: now, source: 'poll' } },
      'test',
    );
    expect(stuck).toMatchObject({ action: 'skipped' });
    expect(h.notifier.of('NotStarted')).toHaveLength(1);
    expect(h.notifier.of('NotStarted')[0]).toMatchObject({ severity: 'warning' });

    h.clock.advance(60_000);
    const started = await remediateTask(
      h.deps,
      policy,
      { ...base, verified: { ...idle, status: 1, state: 'running' } },
      'test',
    );
    expect(started).toMatchObject({ action: 'healthy' });
    expect(h.notifier.of('NotStarted', 'resolved')).toHaveLength(1);
  });
});
