import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, utc } from '../support/emulator-harness.js';
import { type Receiver, startReceiver } from '../support/emulator-receiver.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const REGION = 'cn-shanghai';

let h: Harness;
let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver();
  h = await startHarness({ callback: { retryDelayMs: 0, timeoutMs: 2000 } });
});
afterEach(async () => {
  await h.close();
  await receiver.close();
});

const seconds = (ms: number): string => String(Math.floor(ms / 1000));
const events = () => receiver.bodies.map((body) => [body.TaskStatus, body.EventTime, body.TaskInvalidReason]);

function liveTask(overrides: Parameters<Harness['emulator']['addTask']>[0] = {}) {
  return h.emulator.addTask({
    sourceUrls: ['rtmp://origin-a.example.com/live/one'],
    dstUrl: 'rtmp://push-1.example.com/relay/one',
    callbackUrl: receiver.url,
    retryCount: 3,
    retryInterval: 60,
    ...overrides,
  });
}

/** CreateLivePullToPush in REGION from `startAt` to an hour after the clock's now; `params` the rest. Its TaskId. */
async function createTask(startAt: number, params: Record<string, string>): Promise<string> {
  const window = { Region: REGION, StartTime: utc(startAt), EndTime: utc(h.clock.now() + HOUR) };
  const { TaskId } = await h.live('CreateLivePullToPush', { ...window, ...params }, { method: 'POST' });
  return String(TaskId);
}

describe('the platform retry after a source failure', () => {
  it('goes running → retrying (PullStreamFailed) → stopped after RetryCount × RetryInterval', async () => {
    const task = liveTask();
    const t0 = h.clock.now();
    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.emulator.advance();
    const ref = { Region: REGION, TaskId: task.taskId };
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      TaskStatus: 2,
      TaskInvalidReason: 'PullStreamFailed',
    });
    h.clock.advance(2 * MIN);
    await h.emulator.advance();
    expect((await h.live('DescribeLivePullToPush', ref)).TaskStatus).toBe(2);
    h.clock.advance(MIN);
    await h.emulator.advance();
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      TaskStatus: 3,
      TaskInvalidReason: 'PullStreamFailed',
    });
    expect(events()).toEqual([
      [2, seconds(t0), undefined],
      [3, seconds(t0 + 3 * MIN), 'PullStreamFailed'],
    ]);
  });

  it('returns to running at the next retry when the source recovers inside the window', async () => {
    const task = liveTask();
    const t0 = h.clock.now();
    h.emulator.faults.failSource({ host: 'origin-a.example.com' });
    h.clock.advance(90_000);
    h.emulator.faults.recoverSource({ host: 'origin-a.example.com' });
    await h.emulator.advance();
    expect(h.emulator.task(task.taskId)?.status).toBe(2);
    h.clock.advance(30_000);
    await h.emulator.advance();
    expect(h.emulator.task(task.taskId)).toMatchObject({ status: 1, invalidReason: undefined });
    expect(events()).toEqual([
      [2, seconds(t0), undefined],
      [1, seconds(t0 + 2 * MIN), undefined],
    ]);
  });

  it('replays every step at its own time after one long jump of the clock', async () => {
    liveTask({ retryCount: 2, retryInterval: 120 });
    const t0 = h.clock.now();
    h.emulator.faults.failSource({ host: 'origin-a.example.com' });
    h.clock.advance(HOUR);
    await h.emulator.advance();
    expect(events()).toEqual([
      [2, seconds(t0), undefined],
      [3, seconds(t0 + 4 * MIN), 'PullStreamFailed'],
    ]);
  });

  it('stops at once when RetryCount is 0', async () => {
    const task = liveTask({ retryCount: 0 });
    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.emulator.advance();
    expect(h.emulator.task(task.taskId)?.status).toBe(3);
    expect(events().map(([status]) => status)).toEqual([2, 3]);
  });

  it('fails only the tasks pulling from the failed host', async () => {
    const a = liveTask();
    const b = liveTask({
      sourceUrls: ['rtmp://origin-b.example.com/live/two'],
      dstUrl: 'rtmp://push-1.example.com/r/2',
    });
    h.emulator.faults.failSource({ host: 'origin-a.example.com' });
    expect(h.emulator.task(a.taskId)?.status).toBe(2);
    expect(h.emulator.task(b.taskId)?.status).toBe(1);
  });

  it('reports PushStreamFailed when the destination rejects pushes, and recovers when it accepts', async () => {
    const task = liveTask();
    h.emulator.faults.rejectPush({ host: 'push-1.example.com' });
    expect(h.emulator.task(task.taskId)).toMatchObject({ status: 2, invalidReason: 'PushStreamFailed' });
    h.emulator.faults.acceptPush({ host: 'push-1.example.com' });
    h.clock.advance(MIN);
    expect(h.emulator.task(task.taskId)?.status).toBe(1);
  });

  it('starts a restarted task straight into retrying while its source is still down', async () => {
    const task = liveTask({ retryCount: 0 });
    h.emulator.faults.failSource({ taskId: task.taskId });
    expect(h.emulator.task(task.taskId)?.status).toBe(3);
    await h.live('RestartLivePullToPush', { Region: REGION, TaskId: task.taskId });
    expect(h.emulator.task(task.taskId)?.status).toBe(3);
    h.emulator.faults.recoverSource({ taskId: task.taskId });
    await h.live('RestartLivePullToPush', { Region: REGION, TaskId: task.taskId });
    expect(h.emulator.task(task.taskId)?.status).toBe(1);
  });
});

describe('start and end times', () => {
  it('starts at StartTime with a running callback and exits at EndTime (OverEndTime)', async () => {
    const now = h.clock.now();
    const taskId = await createTask(now + 10 * MIN, {
      SourceType: 'live',
      SourceUrls: '["rtmp://origin-a.example.com/live/x"]',
      DstUrl: 'rtmp://push.example.com/r/x',
      CallbackUrl: receiver.url,
    });
    const ref = { Region: REGION, TaskId: taskId };
    h.clock.advance(HOUR + MIN);
    await h.emulator.advance();
    const exited = await h.live('DescribeLivePullToPush', ref);
    expect(exited).toMatchObject({
      TaskStatus: -1,
      TaskExitReason: 'OverEndTime',
      TaskExitTime: Math.floor((now + HOUR) / 1000),
    });
    expect(receiver.bodies.map((body) => [body.Event, body.TaskStatus, body.EventTime])).toEqual([
      ['LivePullToPushRuning', 1, seconds(now + 10 * MIN)],
      ['LivePullToPushExit', -1, seconds(now + HOUR)],
    ]);
    expect(receiver.bodies[1]).toMatchObject({
      TaskExitReason: 'OverEndTime',
      TaskExitTime: Math.floor((now + HOUR) / 1000),
    });
    expect((await h.live('DescribeLivePullToPushList', { Region: REGION })).Total).toBe(1);
    h.clock.advance(HOUR);
    expect(await h.liveError('DescribeLivePullToPush', ref)).toBe('CodeTaskNotExist');
    expect(await h.liveError('RestartLivePullToPush', ref)).toBe('CodeTaskNotExist');
  });

  it('exits a stopped task at EndTime too', async () => {
    const task = liveTask({ endAt: h.clock.now() + HOUR });
    await h.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    h.clock.advance(HOUR);
    expect(h.emulator.task(task.taskId)).toMatchObject({ status: -1, exitReason: 'OverEndTime' });
  });
});

describe('user actions produce their callbacks', () => {
  it('Stop → offline with TriggerByUser; Restart → running; Delete → exit with TriggerByUser', async () => {
    const task = liveTask();
    const ref = { Region: REGION, TaskId: task.taskId };
    await h.live('StopLivePullToPush', ref);
    await h.live('RestartLivePullToPush', ref);
    await h.live('DeleteLivePullToPush', ref);
    await h.emulator.advance();
    expect(
      receiver.bodies.map((body) => [
        body.Event,
        body.TaskStatus,
        body.TaskInvalidReason ?? body.TaskExitReason,
      ]),
    ).toEqual([
      ['LivePullToPushRuning', 3, 'TriggerByUser'],
      ['LivePullToPushRuning', 1, undefined],
      ['LivePullToPushExit', -1, 'TriggerByUser'],
    ]);
  });
});

describe('playback of vod and url lists', () => {
  it('advances through the files, repeats RepeatNumber times, then stays at the end', async () => {
    const task = h.emulator.addTask({
      sourceType: 'url',
      sourceUrls: ['https://files.example.com/1.mp4', 'https://files.example.com/2.mp4'],
      fileDurations: [100, 200],
      repeatNumber: 1,
      startAt: h.clock.now(),
    });
    const position = () => {
      const t = h.emulator.task(task.taskId);
      return [t?.currentFileIndex, Math.floor(t?.currentOffset ?? -1), t?.passes];
    };
    h.clock.advance(150_000);
    expect(position()).toEqual([1, 50, 0]);
    h.clock.advance(200_000);
    expect(position()).toEqual([0, 50, 1]);
    h.clock.advance(10 * HOUR);
    expect(position()).toEqual([1, 200, 2]);
    expect(h.emulator.task(task.taskId)?.status).toBe(1);
  });

  it('loops forever with RepeatNumber -1 and freezes while retrying', async () => {
    const task = h.emulator.addTask({
      sourceType: 'vod',
      sourceUrls: ['media-a', 'media-b'],
      fileDurations: [60, 60],
      repeatNumber: -1,
      startAt: h.clock.now(),
    });
    h.clock.advance(24 * HOUR + 30_000);
    expect(h.emulator.task(task.taskId)).toMatchObject({ currentFileIndex: 0, passes: 720 });
    h.emulator.faults.failSource({ taskId: task.taskId });
    h.clock.advance(59_000);
    expect(Math.floor(h.emulator.task(task.taskId)?.currentOffset ?? 0)).toBe(30);
  });

  it('derives deterministic file durations of 60–600 s from the URLs', () => {
    const a = h.emulator.addTask({ sourceType: 'vod', sourceUrls: ['m1', 'm2', 'm3'] });
    const b = h.emulator.addTask({ sourceType: 'vod', sourceUrls: ['m1', 'm2', 'm3'] });
    expect(a.fileDurations).toEqual(b.fileDurations);
    for (const duration of a.fileDurations) {
      expect(duration).toBeGreaterThanOrEqual(60);
      expect(duration).toBeLessThanOrEqual(600);
    }
  });
});

describe('the first start', () => {
  it('plays from the FileIndex/Offset configured by Create or changed by Update before the start', async () => {
    const taskId = await createTask(h.clock.now() + MIN, {
      SourceType: 'vod',
      SourceUrls: '["m-1","m-2","m-3"]',
      DstUrl: 'rtmp://push.example.com/r/vod',
      FileIndex: '1',
    });
    const ref = { Region: REGION, TaskId: taskId };
    await h.live('UpdateLivePullToPush', { ...ref, FileIndex: '0', Offset: '5' });
    h.clock.advance(MIN);
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      TaskStatus: 1,
      CurrentFileIndex: 0,
      CurrentOffset: 5,
    });
  });
});

describe('two tasks pushing to one destination (dstConflicts)', () => {
  it('fails both with PushStreamFailed; the survivor recovers once the other stops', async () => {
    await h.close();
    h = await startHarness({ dstConflicts: true, callback: { retryDelayMs: 0 } });
    const dstUrl = 'rtmp://push.example.com/relay/shared';
    const a = h.emulator.addTask({ dstUrl, callbackUrl: receiver.url });
    const b = await createTask(h.clock.now(), {
      SourceType: 'live',
      SourceUrls: '["rtmp://origin-b.example.com/live/b"]',
      DstUrl: dstUrl,
    });
    expect(h.emulator.task(a.taskId)).toMatchObject({ status: 2, invalidReason: 'PushStreamFailed' });
    expect(h.emulator.task(b)).toMatchObject({ status: 2, invalidReason: 'PushStreamFailed' });
    await h.live('StopLivePullToPush', { Region: REGION, TaskId: b });
    h.clock.advance(MIN);
    expect(h.emulator.task(a.taskId)?.status).toBe(1);
    await h.emulator.advance();
    expect(events().map(([status]) => status)).toEqual([2, 1]);
  });

  it('leaves tasks with the same DstUrl alone by default', () => {
    const a = h.emulator.addTask({});
    const b = h.emulator.addTask({});
    expect([h.emulator.task(a.taskId)?.status, h.emulator.task(b.taskId)?.status]).toEqual([1, 1]);
  });
});
