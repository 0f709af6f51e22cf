import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, utc } from '../support/emulator-harness.js';

/**
 * Each documented reading the emulator models where the API pages are ambiguous (docs/emulator.md,
 * "Readings"), selected by option, scenario field and control API, and the smaller differences
 * from the pages, each named with the page's words.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const REGION = 'cn-shanghai';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const describeTask = (taskId: string) => h.live('DescribeLivePullToPush', { Region: REGION, TaskId: taskId });

describe('user-stop readings: where StopLivePullToPush shows', () => {
  it.each([
    ['invalid-reason', { TaskStatus: 3, TaskInvalidReason: 'TriggerByUser' }, ['TaskExitReason']],
    ['exit-reason', { TaskStatus: 3, TaskExitReason: 'TriggerByUser' }, ['TaskInvalidReason']],
    ['no-reason', { TaskStatus: 3 }, ['TaskInvalidReason', 'TaskExitReason']],
  ] as const)('%s', async (userStop, shows, absent) => {
    h = await startHarness({ readings: { userStop } });
    const task = h.emulator.addTask({});
    await h.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    const body = await describeTask(task.taskId);
    expect(body).toMatchObject(shows);
    for (const field of absent) expect(body).not.toHaveProperty(field);
    expect(h.emulator.task(task.taskId)?.interruptions).toBe(1);
  });

  it('is selected by the scenario field and changed at run time by the control API', async () => {
    h = await startHarness({ scenario: { readings: { userStop: 'exit-reason' } } });
    expect(h.emulator.readings.values().userStop).toBe('exit-reason');
    const set = await fetch(`${h.emulator.url}/_emulator/readings`, {
      method: 'POST',
      body: JSON.stringify({ userStop: 'no-reason', retryLagMs: [0, 500] }),
    });
    expect(await set.json()).toMatchObject({ userStop: 'no-reason', retryLagMs: [0, 500] });
    const bad = await fetch(`${h.emulator.url}/_emulator/readings`, {
      method: 'POST',
      body: JSON.stringify({ userStop: 'sometimes' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('userStop');
    expect(h.emulator.readings.values().userStop).toBe('no-reason');
  });
});

describe('fault phase: a 5xx or timeout before the action, or after it applied', () => {
  it('after: Restart applies and its answer is lost (5xx), and the mutation log says so', async () => {
    h = await startHarness({ readings: { faultPhase: 'after' } });
    const task = h.emulator.addTask({});
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'RestartLivePullToPush' });
    expect(await h.liveError('RestartLivePullToPush', { Region: REGION, TaskId: task.taskId })).toBe(
      'InternalError',
    );
    expect(h.emulator.task(task.taskId)?.interruptions).toBe(1);
    expect(h.emulator.stats().mutations).toMatchObject([
      { action: 'RestartLivePullToPush', answered: false },
    ]);
  });

  it('before (the default): the 5xx answers before anything applies', async () => {
    h = await startHarness();
    const task = h.emulator.addTask({});
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'StopLivePullToPush' });
    expect(await h.liveError('StopLivePullToPush', { Region: REGION, TaskId: task.taskId })).toBe(
      'InternalError',
    );
    expect(h.emulator.task(task.taskId)).toMatchObject({ status: 1, interruptions: 0 });
    expect(h.emulator.stats().mutations).toEqual([]);
  });
});

describe('late platform retries', () => {
  it('with a set lag, the task is still retrying at since + RetryCount × RetryInterval and stops lag later', async () => {
    h = await startHarness({ readings: { retryLagMs: 40_000 } });
    const task = h.emulator.addTask({ retryCount: 3, retryInterval: 60 });
    h.emulator.faults.failSource({ taskId: task.taskId });
    h.clock.advance(3 * MIN + 39_000);
    expect((await describeTask(task.taskId)).TaskStatus).toBe(2);
    h.clock.advance(1_000);
    expect(await describeTask(task.taskId)).toMatchObject({
      TaskStatus: 3,
      TaskInvalidReason: 'PullStreamFailed',
    });
  });

  it('with a random lag, each episode draws a lag inside the range from the seeded PRNG', async () => {
    h = await startHarness({ seed: 7, readings: { retryLagMs: [10_000, 50_000] } });
    const task = h.emulator.addTask({});
    h.emulator.faults.failSource({ taskId: task.taskId });
    const lag = h.emulator.task(task.taskId)?.retryLagMs ?? -1;
    expect(lag).toBeGreaterThanOrEqual(10_000);
    expect(lag).toBeLessThanOrEqual(50_000);
  });
});

describe('Offset: "This parameter applies only to the first video in the playlist"', () => {
  async function resumeAt(fileIndex: number): Promise<{ CurrentFileIndex?: number; CurrentOffset?: number }> {
    const task = h.emulator.addTask({
      sourceType: 'vod',
      sourceUrls: ['m-1', 'm-2', 'm-3'],
      fileDurations: [100, 100, 100],
    });
    h.emulator.setTaskStatus(task.taskId, 3, 'PullStreamFailed');
    await h.live('UpdateLivePullToPush', {
      Region: REGION,
      TaskId: task.taskId,
      FileIndex: String(fileIndex),
      Offset: '40',
    });
    await h.live('RestartLivePullToPush', { Region: REGION, TaskId: task.taskId });
    return describeTask(task.taskId);
  }

  it('playlist-first (the default): Offset plays only when playback starts at file 0', async () => {
    h = await startHarness();
    expect(await resumeAt(0)).toMatchObject({ CurrentFileIndex: 0, CurrentOffset: 40 });
    expect(await resumeAt(2)).toMatchObject({ CurrentFileIndex: 2, CurrentOffset: 0 });
  });

  it('start-file: Offset plays in the file FileIndex names', async () => {
    h = await startHarness({ readings: { offsetAppliesTo: 'start-file' } });
    expect(await resumeAt(2)).toMatchObject({ CurrentFileIndex: 2, CurrentOffset: 40 });
  });
});

describe('end of a VOD playlist', () => {
  const vod = () =>
    h.emulator.addTask({
      sourceType: 'vod',
      sourceUrls: ['m-1', 'm-2'],
      fileDurations: [60, 60],
      repeatNumber: 0,
      startAt: h.clock.now(),
    });

  it('keeps-running (the default): the finished playlist stays TaskStatus 1 at the end of its last file', async () => {
    h = await startHarness();
    const task = vod();
    h.clock.advance(5 * MIN);
    expect(await describeTask(task.taskId)).toMatchObject({
      TaskStatus: 1,
      CurrentFileIndex: 1,
      CurrentOffset: 60,
    });
  });

  it('stops: the finished playlist shows TaskStatus 3 with no reason at all, when its last file ends', async () => {
    h = await startHarness({ readings: { vodEnd: 'stops' } });
    const task = vod();
    h.clock.advance(2 * MIN - 1_000);
    expect((await describeTask(task.taskId)).TaskStatus).toBe(1);
    h.clock.advance(1_000);
    const body = await describeTask(task.taskId);
    expect(body.TaskStatus).toBe(3);
    expect(body).not.toHaveProperty('TaskInvalidReason');
    expect(body).not.toHaveProperty('TaskExitReason');
  });
});

describe('ICE list window', () => {
  it('a list without StartTime/EndTime covers only iceListWindowDays; GetLiveRecordJob still finds an old job', async () => {
    h = await startHarness({ readings: { iceListWindowDays: 30 } });
    const old = h.emulator.addRecordJob({ createdAt: h.clock.now() - 40 * 24 * HOUR });
    const recent = h.emulator.addRecordJob({});
    const list = await h.ice('ListLiveRecordJobs', { RegionId: REGION, PageSize: '100' });
    expect((list.LiveRecordJobs as Array<{ JobId: string }>).map((job) => job.JobId)).toEqual([recent.jobId]);
    expect(await h.ice('GetLiveRecordJob', { RegionId: REGION, JobId: old.jobId })).toMatchObject({
      RecordJob: { JobId: old.jobId },
    });
  });
});

describe('smaller differences from the pages', () => {
  it('UpdateLivePullToPush StartTime: "You cannot update this parameter after the task starts" (refused on a stopped task, not ignored)', async () => {
    h = await startHarness();
    const task = h.emulator.addTask({});
    h.emulator.setTaskStatus(task.taskId, 3, 'PullStreamFailed');
    const code = await h.liveError('UpdateLivePullToPush', {
      Region: REGION,
      TaskId: task.taskId,
      StartTime: utc(h.clock.now() + HOUR),
    });
    expect(code).toBe('CodeTaskHasStarted');
    expect(h.emulator.task(task.taskId)?.startAt).toBe(task.startAt);
  });

  it('Region "Valid values" are ap-southeast-1, ap-southeast-5, cn-beijing, cn-shanghai: cn-shenzhen is refused', async () => {
    h = await startHarness();
    expect(await h.liveError('DescribeLivePullToPushList', { Region: 'cn-shenzhen' })).toBe(
      'InvalidParameter',
    );
  });

  it('CallbackUrl: the page\'s own sample "hahaha.com" (no scheme) is accepted', async () => {
    h = await startHarness();
    const now = h.clock.now();
    const body = await h.live(
      'CreateLivePullToPush',
      {
        Region: REGION,
        StartTime: utc(now + HOUR),
        EndTime: utc(now + 2 * HOUR),
        SourceType: 'live',
        SourceUrls: JSON.stringify(['rtmp://origin.example.com/live/s']),
        DstUrl: 'rtmp://push.example.com/live/s',
        CallbackUrl: 'hahaha.com',
        RetryCount: '1000',
      },
      { method: 'POST' },
    );
    expect(h.emulator.task(String(body.TaskId))).toMatchObject({
      callbackUrl: 'hahaha.com',
      retryCount: 1000,
    });
  });

  it('ListLiveTranscodeJobs answers only the fields its page lists (RequestId, TotalCount, JobList)', async () => {
    h = await startHarness();
    h.emulator.addTranscodeJob({});
    const body = await h.ice('ListLiveTranscodeJobs', { RegionId: REGION });
    expect(Object.keys(body).sort()).toEqual(['JobList', 'RequestId', 'TotalCount']);
  });

  it("ListLiveRecordJobs: the page's own example window (StartTime 2022-07-15T08:00:00Z, EndTime 2022-07-11T08:00:00Z) is reversed and refused", async () => {
    h = await startHarness();
    const code = await h.iceError('ListLiveRecordJobs', {
      RegionId: REGION,
      StartTime: '2022-07-15T08:00:00Z',
      EndTime: '2022-07-11T08:00:00Z',
    });
    expect(code).toBe('InvalidParameter');
  });
});
