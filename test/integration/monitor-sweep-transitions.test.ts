import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resourceKey } from '../../lib/events/resources.js';
import type { TaskEvent } from '../../lib/events/task-event.js';
import { STUCK_REASONS } from '../../lib/monitor/detect-stuck.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';

const MINUTE = 60_000;

function transitions(events: readonly TaskEvent[]): string[] {
  return events.map((event) => `${event.trigger}:${event.previousState ?? '-'}>${event.state}`);
}

describe('runSweep against the emulator: every transition exactly once', () => {
  let h: MonitorHarness;

  beforeEach(async () => {
    h = await startMonitorHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('follows a relay task idle → running → recovering → offline → exited, one event each', async () => {
    const task = h.emulator.addTask({
      startAt: h.clock.now() + 10 * MINUTE,
      endAt: h.clock.now() + 6 * 60 * MINUTE,
      sourceUrls: ['rtmp://origin.example.com/live/a'],
      retryCount: 2,
      retryInterval: 60,
    });
    const sweep = async (): Promise<TaskEvent[]> => {
      h.invoker.clear();
      await runSweep(h.deps);
      return h.invoker.events().filter((event) => event.resource.id === task.taskId);
    };

    expect(await sweep()).toEqual([]);
    await h.advance(10 * MINUTE + 1_000);
    expect(transitions(await sweep())).toEqual(['transition:idle>running']);
    expect(await sweep()).toEqual([]);

    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.advance(1_000);
    const recovering = await sweep();
    expect(transitions(recovering)).toEqual(['transition:running>recovering']);
    expect(recovering[0]?.reason).toBe('PullStreamFailed');
    expect(await sweep()).toEqual([]);

    await h.advance(2 * MINUTE + 1_000);
    const offline = await sweep();
    expect(transitions(offline)).toEqual(['transition:recovering>offline']);
    expect(offline[0]).toMatchObject({ source: 'poll', snapshot: { taskId: task.taskId, status: 3 } });
    expect(await sweep()).toEqual([]);

    await h.client.deleteRelayTask({ region: 'cn-shanghai', taskId: task.taskId });
    const exited = await sweep();
    expect(transitions(exited)).toEqual(['disappeared:offline>exited']);
    expect(await sweep()).toEqual([]);
    const snapshot = await h.store.snapshots.get(
      resourceKey({ kind: 'relay', region: 'cn-shanghai', id: task.taskId }),
    );
    expect(snapshot?.value.resource.state).toBe('exited');
  });

  it('reports a task listed as exited after its EndTime once, with OverEndTime', async () => {
    const task = h.emulator.addTask({ endAt: h.clock.now() + 5 * MINUTE });
    await runSweep(h.deps);
    expect(h.invoker.events()).toEqual([]);
    await h.advance(5 * MINUTE + 1_000);
    await runSweep(h.deps);
    await runSweep(h.deps);
    const events = h.invoker.events().filter((event) => event.resource.id === task.taskId);
    expect(transitions(events)).toEqual(['transition:running>exited']);
    expect(events[0]?.reason).toBe('OverEndTime');
  });

  it('follows record jobs started → paused (→ stuck) → gone and transcode jobs running → stopped → gone', async () => {
    const record = h.emulator.addRecordJob({
      status: 'started',
      name: 'rec-a',
      streamUrl: 'rtmp://failing-origin.example.com/live/rec-a',
    });
    const transcode = h.emulator.addTranscodeJob({ status: 1, name: 'tc-a' });
    await runSweep(h.deps);
    expect(h.invoker.events()).toEqual([]);

    // ICE retries a lost stream for 3 minutes, then pauses the recording.
    h.emulator.faults.failSource({ host: 'failing-origin.example.com' });
    await h.advance(3 * MINUTE + 1_000);
    transcode.status = 2;
    await runSweep(h.deps);
    await runSweep(h.deps);
    // Still paused past LIVEWATCH_RECORD_PAUSED_GRACE_S (300 s): reported stuck, once.
    await h.advance(5 * MINUTE);
    await runSweep(h.deps);
    await h.advance(5 * MINUTE);
    await runSweep(h.deps);
    expect(h.emulator.removeJob(record.jobId)).toBe(true);
    expect(h.emulator.removeJob(transcode.jobId)).toBe(true);
    await runSweep(h.deps);
    await runSweep(h.deps);

    const of = (id: string): string[] =>
      transitions(h.invoker.events().filter((event) => event.resource.id === id));
    expect(of(record.jobId)).toEqual([
      'transition:started>paused',
      'stuck:->paused',
      'disappeared:paused>gone',
    ]);
    expect(of(transcode.jobId)).toEqual(['transition:running>stopped', 'disappeared:stopped>gone']);
  });

  it('on a fresh install reports only what is already broken', async () => {
    const healthy = h.emulator.addTask({});
    const offline = h.emulator.addTask({ status: 3, invalidReason: 'PushStreamFailed' });
    const exited = h.emulator.addTask({ endAt: h.clock.now() + 1_000 });
    await h.advance(2_000);
    const stopped = h.emulator.addTranscodeJob({ status: 2 });
    h.emulator.addRecordJob({ status: 'started' });
    const report = await runSweep(h.deps);
    const reported = h.invoker.events().map((event) => event.resource.id);
    expect(reported.sort()).toEqual([offline.taskId, stopped.jobId].sort());
    expect(reported).not.toContain(healthy.taskId);
    expect(reported).not.toContain(exited.taskId);
    expect(report.tasks.relay).toMatchObject({ running: 1, offline: 1, exited: 1 });
    expect(report.tasks.record).toMatchObject({ started: 1 });
    expect(report.tasks.transcode).toMatchObject({ stopped: 1 });
    expect(report.snapshotWrites).toBe(5);
    expect(report.complete).toBe(true);
  });

  it('reports a task recovering beyond its grace (LIVEWATCH_RECOVERING_GRACE_S) once', async () => {
    await h.close();
    h = await startMonitorHarness({ env: { LIVEWATCH_RECOVERING_GRACE_S: '300' } });
    // The platform would retry for 25 minutes; livewatch's grace says 5 are enough.
    const task = h.emulator.addTask({ retryCount: 5, retryInterval: 300 });
    await runSweep(h.deps);
    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.advance(1_000);
    await runSweep(h.deps);
    await h.advance(4 * MINUTE);
    await runSweep(h.deps);
    await h.advance(2 * MINUTE);
    await runSweep(h.deps);
    await h.advance(MINUTE);
    await runSweep(h.deps);
    expect(h.emulator.task(task.taskId)?.status).toBe(2);
    const events = h.invoker.events().filter((event) => event.resource.id === task.taskId);
    expect(transitions(events)).toEqual(['transition:running>recovering', 'stuck:->recovering']);
    expect(events[1]?.reason).toBe(STUCK_REASONS.recoveringBeyondGrace);
  });

  it('writes nothing on a sweep where nothing changed', async () => {
    for (let index = 0; index < 50; index += 1) h.emulator.addTask({});
    const first = await runSweep(h.deps);
    expect(first.snapshotWrites).toBe(50);
    const second = await runSweep(h.deps);
    expect(second.snapshotWrites).toBe(0);
    expect(second.events).toEqual([]);
  });

  it('writes the heartbeat with counts, API calls and completeness', async () => {
    h.emulator.addTask({});
    h.emulator.addTranscodeJob({ status: 1 });
    const report = await runSweep(h.deps);
    const heartbeat = await h.store.getHeartbeat();
    expect(heartbeat).toMatchObject({
      lastSuccessAt: report.finishedAt,
      complete: true,
      apiCalls: report.apiCalls.requests,
      counts: { 'relay.running': 1, 'transcode.running': 1 },
    });
    expect(report.apiCalls.byAction).toMatchObject({
      DescribeLivePullToPushList: 1,
      ListLiveRecordJobs: 1,
      ListLiveTranscodeJobs: 1,
    });
    expect(heartbeat?.lastError).toBeUndefined();
  });
});
