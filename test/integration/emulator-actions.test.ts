import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, utc } from '../support/emulator-harness.js';

const HOUR = 3_600_000;
const REGION = 'cn-shanghai';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function createParams(overrides: Record<string, string> = {}): Record<string, string> {
  const now = h.clock.now();
  return {
    Region: REGION,
    TaskName: 'evening-news',
    StartTime: utc(now + HOUR),
    EndTime: utc(now + 48 * HOUR),
    SourceType: 'live',
    SourceProtocol: 'rtmp',
    SourceUrls: JSON.stringify(['rtmp://origin.example.com/live/news']),
    DstUrl: 'rtmp://push.example.com/relay/news',
    CallbackUrl: 'https://hooks.example.com/callback/token',
    ...overrides,
  };
}

async function create(overrides: Record<string, string> = {}): Promise<string> {
  const body = await h.live('CreateLivePullToPush', createParams(overrides), { method: 'POST' });
  expect(body).toMatchObject({ RetCode: 0, Description: 'OK' });
  return String(body.TaskId);
}

/** SubmitLiveTranscodeJob of an rtmp input to a LiveCenter output; `params` adds the rest (Name, StartMode, …). */
function submitTranscodeJob(params: Record<string, string>) {
  const input = { Type: 'rtmp', InputUrl: `rtmp://origin.example.com/live/${params.Name}` };
  return h.ice(
    'SubmitLiveTranscodeJob',
    {
      StreamInput: JSON.stringify(input),
      TemplateId: 'tpl',
      TranscodeOutput: JSON.stringify({ Type: 'LiveCenter', DomainName: 'play.example.com' }),
      ...params,
    },
    { method: 'POST' },
  );
}

describe('CreateLivePullToPush and Describe', () => {
  it('creates a task that waits for StartTime, then runs', async () => {
    const taskId = await create();
    const before = await h.live('DescribeLivePullToPush', { Region: REGION, TaskId: taskId });
    expect(before).toMatchObject({
      TaskId: taskId,
      TaskStatus: 0,
      RetCode: 0,
      TaskInfo: {
        TaskName: 'evening-news',
        SourceType: 'live',
        SourceUrls: ['rtmp://origin.example.com/live/news'],
        DstUrl: 'rtmp://push.example.com/relay/news',
        CallbackURL: 'https://hooks.example.com/callback/token',
        RetryCount: 3,
        RetryInterval: 60,
      },
    });
    expect(before).not.toHaveProperty('TaskExitReason');
    h.clock.advance(HOUR);
    const after = await h.live('DescribeLivePullToPush', { Region: REGION, TaskId: taskId });
    expect(after.TaskStatus).toBe(1);
  });

  it('finds a task only in its own region', async () => {
    const taskId = await create();
    expect(await h.liveError('DescribeLivePullToPush', { Region: 'cn-beijing', TaskId: taskId })).toBe(
      'CodeTaskNotExist',
    );
  });

  it.each([
    ['a missing Region', { Region: '' }, 'MissingParameter'],
    ['an unknown Region', { Region: 'eu-central-1' }, 'InvalidParameter'],
    ['a non-UTC StartTime', { StartTime: '2030-01-01 10:00:00' }, 'InvalidParameter'],
    [
      'an EndTime before StartTime',
      { StartTime: '2099-01-02T00:00:00Z', EndTime: '2099-01-01T00:00:00Z' },
      'InvalidParam.CodeIllegalDuration',
    ],
    [
      'an EndTime in the past',
      { StartTime: '2020-01-01T00:00:00Z', EndTime: '2020-01-02T00:00:00Z' },
      'InvalidParam.CodeIllegalDuration',
    ],
    ['an unknown SourceType', { SourceType: 'file' }, 'InvalidParameter'],
    [
      'two URLs for a live source',
      { SourceUrls: JSON.stringify(['rtmp://a/x/y', 'rtmp://b/x/y']) },
      'InvalidParameter',
    ],
    ['SourceUrls that is not a JSON array', { SourceUrls: 'rtmp://a/x/y' }, 'InvalidParameter'],
    [
      '31 files for a url source',
      {
        SourceType: 'url',
        SourceUrls: JSON.stringify(Array.from({ length: 31 }, (_, i) => `https://f.example.com/${i}.mp4`)),
      },
      'InvalidParameter',
    ],
    ['a non-RTMP DstUrl', { DstUrl: 'http://push.example.com/x' }, 'InvalidParameter'],
    [
      'a DstUrl over 2000 characters',
      { DstUrl: `rtmp://push.example.com/${'x'.repeat(2000)}` },
      'InvalidParameter',
    ],
    ['a RetryInterval under 60 s', { RetryInterval: '30' }, 'InvalidParameter'],
    ['a non-integer RetryCount', { RetryCount: 'three' }, 'InvalidParameter'],
    ['a zero Offset', { SourceType: 'vod', SourceUrls: '["media-1"]', Offset: '0' }, 'InvalidParameter'],
    [
      'a FileIndex past the playlist',
      { SourceType: 'vod', SourceUrls: '["media-1"]', FileIndex: '1' },
      'InvalidParameter',
    ],
    ['a missing DstUrl', { DstUrl: '' }, 'MissingParameter'],
  ])('rejects %s', async (_what, overrides, code) => {
    expect(await h.liveError('CreateLivePullToPush', createParams(overrides), { method: 'POST' })).toBe(code);
    expect(h.emulator.tasks()).toHaveLength(0);
  });
});

describe('DescribeLivePullToPushList', () => {
  it('pages through every task of a region, once each', async () => {
    for (let i = 0; i < 25; i++) h.emulator.addTask({ region: REGION, taskName: `t-${i}` });
    h.emulator.addTask({ region: 'cn-beijing' });
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const body = await h.live('DescribeLivePullToPushList', {
        Region: REGION,
        PageNumber: String(page),
        PageSize: '10',
      });
      expect(body).toMatchObject({ Total: 25, PageNumber: page, PageSize: 10 });
      seen.push(...(body.TaskList as Array<{ TaskId: string }>).map((task) => task.TaskId));
    }
    expect(new Set(seen).size).toBe(25);
    const defaults = await h.live('DescribeLivePullToPushList', { Region: REGION });
    expect((defaults.TaskList as unknown[]).length).toBe(10);
  });

  it('filters by TaskId, TaskName and DstUrl fuzzily', async () => {
    const a = h.emulator.addTask({ taskName: 'sports-main', dstUrl: 'rtmp://cdn-a.example.com/x/1' });
    h.emulator.addTask({ taskName: 'news-main', dstUrl: 'rtmp://cdn-b.example.com/x/2' });
    const ids = async (query: Record<string, string>) =>
      (
        (await h.live('DescribeLivePullToPushList', { Region: REGION, ...query })).TaskList as Array<{
          TaskId: string;
        }>
      ).map((task) => task.TaskId);
    expect(await ids({ TaskName: 'sports' })).toEqual([a.taskId]);
    expect(await ids({ DstUrl: 'cdn-a' })).toEqual([a.taskId]);
    expect(await ids({ TaskId: a.taskId.slice(0, 13) })).toEqual([a.taskId]);
    expect(await ids({ TaskName: 'main' })).toHaveLength(2);
  });

  it.each([
    [{ PageSize: '0' }],
    [{ PageSize: '101' }],
    [{ PageNumber: '0' }],
    [{ PageNumber: '-1' }],
    [{ TaskId: 'x'.repeat(56) }],
    [{ TaskId: 'bad id!' }],
  ])('rejects %o with InvalidParameter', async (query) => {
    expect(await h.liveError('DescribeLivePullToPushList', { Region: REGION, ...query })).toBe(
      'InvalidParameter',
    );
  });

  it('requires Region', async () => {
    expect(await h.liveError('DescribeLivePullToPushList', {})).toBe('MissingParameter');
  });
});

describe('UpdateLivePullToPush rules by state', () => {
  it('changes anything, Region included, before the start', async () => {
    const taskId = await create();
    await h.live('UpdateLivePullToPush', {
      Region: 'cn-beijing',
      TaskId: taskId,
      SourceUrls: JSON.stringify(['rtmp://backup.example.com/live/news']),
      EndTime: utc(h.clock.now() + 72 * HOUR),
    });
    const task = h.emulator.task(taskId);
    expect(task?.region).toBe('cn-beijing');
    expect(task?.sourceUrls).toEqual(['rtmp://backup.example.com/live/news']);
  });

  it('while running, takes CallbackUrl and RepeatNumber only', async () => {
    const task = h.emulator.addTask({ sourceType: 'vod', sourceUrls: ['m-1', 'm-2'] });
    const ref = { Region: REGION, TaskId: task.taskId };
    await h.live('UpdateLivePullToPush', {
      ...ref,
      CallbackUrl: 'https://new.example.com/cb',
      RepeatNumber: '-1',
    });
    expect(h.emulator.task(task.taskId)).toMatchObject({
      callbackUrl: 'https://new.example.com/cb',
      repeatNumber: -1,
    });
    expect(await h.liveError('UpdateLivePullToPush', { ...ref, SourceUrls: '["m-3"]' })).toBe(
      'CodeTaskHasStarted',
    );
    expect(await h.liveError('UpdateLivePullToPush', { ...ref, FileIndex: '1' })).toBe('CodeTaskHasStarted');
    expect(
      await h.liveError('UpdateLivePullToPush', { ...ref, EndTime: utc(h.clock.now() + 99 * HOUR) }),
    ).toBe('CodeTaskHasStarted');
    expect(await h.liveError('UpdateLivePullToPush', { Region: 'cn-beijing', TaskId: task.taskId })).toBe(
      'CodeTaskHasStarted',
    );
  });

  it('while stopped, takes everything but Region', async () => {
    const task = h.emulator.addTask({ sourceType: 'vod', sourceUrls: ['m-1', 'm-2', 'm-3'] });
    h.emulator.setTaskStatus(task.taskId, 3, 'PullStreamFailed');
    const ref = { Region: REGION, TaskId: task.taskId };
    await h.live('UpdateLivePullToPush', {
      ...ref,
      FileIndex: '2',
      Offset: '30',
      EndTime: utc(h.clock.now() + 5 * HOUR),
    });
    expect(h.emulator.task(task.taskId)).toMatchObject({ fileIndex: 2, offset: 30, resumeOnRestart: true });
    expect(await h.liveError('UpdateLivePullToPush', { Region: 'cn-beijing', TaskId: task.taskId })).toBe(
      'InvalidParameter',
    );
  });

  it('rejects an EndTime not after now with InvalidParam.CodeIllegalDuration', async () => {
    const taskId = await create();
    const code = await h.liveError('UpdateLivePullToPush', {
      Region: REGION,
      TaskId: taskId,
      EndTime: utc(h.clock.now() - HOUR),
    });
    expect(code).toBe('InvalidParam.CodeIllegalDuration');
  });

  it('answers CodeTaskNotExist for an unknown task', async () => {
    expect(
      await h.liveError('UpdateLivePullToPush', { Region: REGION, TaskId: 'missing', RepeatNumber: '1' }),
    ).toBe('CodeTaskNotExist');
  });
});

describe('Restart, Stop and Delete', () => {
  it('"The restart is invalid if the task has not reached its configured start time": InvalidParam.CodeIllegalDuration', async () => {
    const taskId = await create();
    expect(await h.liveError('RestartLivePullToPush', { Region: REGION, TaskId: taskId })).toBe(
      'InvalidParam.CodeIllegalDuration',
    );
  });

  it('stops a running task (TriggerByUser) and refuses to stop it twice', async () => {
    const task = h.emulator.addTask({});
    const ref = { Region: REGION, TaskId: task.taskId };
    expect(await h.live('StopLivePullToPush', ref)).toMatchObject({ TaskId: task.taskId });
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      TaskStatus: 3,
      TaskInvalidReason: 'TriggerByUser',
    });
    expect(await h.liveError('StopLivePullToPush', ref)).toBe('CodeTaskHasStopped');
  });

  it('restarts a stopped task under the same TaskId by default', async () => {
    const task = h.emulator.addTask({});
    h.emulator.setTaskStatus(task.taskId, 3, 'PullStreamFailed');
    const body = await h.live('RestartLivePullToPush', { Region: REGION, TaskId: task.taskId });
    expect(body.TaskId).toBe(task.taskId);
    expect(h.emulator.task(task.taskId)?.status).toBe(1);
  });

  it('returns a new TaskId when restartNewTaskId is on, and the old id is gone', async () => {
    await h.close();
    h = await startHarness({ restartNewTaskId: true });
    const task = h.emulator.addTask({});
    const oldId = task.taskId;
    const body = await h.live('RestartLivePullToPush', { Region: REGION, TaskId: oldId });
    expect(body.TaskId).not.toBe(oldId);
    expect(h.emulator.task(String(body.TaskId))).toMatchObject({ status: 1, previousTaskIds: [oldId] });
    expect(await h.liveError('DescribeLivePullToPush', { Region: REGION, TaskId: oldId })).toBe(
      'CodeTaskNotExist',
    );
  });

  it('restarts a vod task from the beginning unless FileIndex/Offset were set while stopped', async () => {
    const task = h.emulator.addTask({
      sourceType: 'vod',
      sourceUrls: ['m-1', 'm-2', 'm-3'],
      fileDurations: [100, 100, 100],
      startAt: h.clock.now(),
    });
    const ref = { Region: REGION, TaskId: task.taskId };
    h.clock.advance(150_000);
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      CurrentFileIndex: 1,
      CurrentOffset: 50,
    });
    await h.live('RestartLivePullToPush', ref);
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      CurrentFileIndex: 0,
      CurrentOffset: 0,
    });

    h.clock.advance(250_000);
    await h.live('StopLivePullToPush', ref);
    await h.live('UpdateLivePullToPush', { ...ref, FileIndex: '2', Offset: '50' });
    await h.live('RestartLivePullToPush', ref);
    // From file 2; Offset "applies only to the first video in the playlist" (the default reading: file 0).
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      CurrentFileIndex: 2,
      CurrentOffset: 0,
    });
    await h.live('StopLivePullToPush', ref);
    await h.live('UpdateLivePullToPush', { ...ref, FileIndex: '0' });
    await h.live('RestartLivePullToPush', ref);
    expect(await h.live('DescribeLivePullToPush', ref)).toMatchObject({
      CurrentFileIndex: 0,
      CurrentOffset: 50,
    });
  });

  it('deletes a task: Describe answers CodeTaskNotExist and the list no longer has it', async () => {
    const task = h.emulator.addTask({});
    const ref = { Region: REGION, TaskId: task.taskId };
    expect(await h.live('DeleteLivePullToPush', ref)).toMatchObject({ RetCode: 0 });
    expect(await h.liveError('DescribeLivePullToPush', ref)).toBe('CodeTaskNotExist');
    expect(await h.liveError('RestartLivePullToPush', ref)).toBe('CodeTaskNotExist');
    expect((await h.live('DescribeLivePullToPushList', { Region: REGION })).Total).toBe(0);
  });

  it('records successful mutating calls with their parameters', async () => {
    const task = h.emulator.addTask({});
    await h.live('DescribeLivePullToPush', { Region: REGION, TaskId: task.taskId });
    await h.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    expect(h.emulator.stats().mutations.map((m) => [m.action, m.params.TaskId])).toEqual([
      ['StopLivePullToPush', task.taskId],
    ]);
  });
});

describe('ICE record and transcode jobs', () => {
  it('lists record jobs with Keyword, Status, paging and sort order', async () => {
    const first = h.emulator.addRecordJob({ name: 'alpha record', status: 'started' });
    h.clock.advance(1000);
    const second = h.emulator.addRecordJob({ name: 'beta record', status: 'paused' });
    const all = await h.ice('ListLiveRecordJobs', {});
    expect(all).toMatchObject({ TotalCount: 2, PageNo: 1, PageSize: 10, SortBy: 'desc' });
    expect((all.LiveRecordJobs as Array<{ JobId: string }>).map((job) => job.JobId)).toEqual([
      second.jobId,
      first.jobId,
    ]);
    const paused = await h.ice('ListLiveRecordJobs', { Status: 'paused' });
    expect((paused.LiveRecordJobs as Array<{ JobId: string; StreamInput: unknown }>)[0]).toMatchObject({
      JobId: second.jobId,
      Status: 'paused',
      StreamInput: { Type: 'rtmp' },
    });
    expect((await h.ice('ListLiveRecordJobs', { Keyword: 'alpha' })).TotalCount).toBe(1);
    expect((await h.ice('ListLiveRecordJobs', { Keyword: first.jobId })).TotalCount).toBe(1);
    const page2 = await h.ice('ListLiveRecordJobs', { PageNo: '2', PageSize: '1', SortBy: 'asc' });
    expect((page2.LiveRecordJobs as Array<{ JobId: string }>)[0]?.JobId).toBe(second.jobId);
  });

  it.each([
    [{ Status: 'running' }],
    [{ StartTime: '2026-01-01T00:00:00Z', EndTime: '2026-02-15T00:00:00Z' }],
    [{ StartTime: '2026-01-01' }],
    [{ PageNo: '0' }],
    [{ PageSize: '101' }],
  ])('rejects record list parameters %o', async (query) => {
    expect(await h.iceError('ListLiveRecordJobs', query)).toBe('InvalidParameter');
  });

  it('lists transcode jobs with KeyWord (capital W) and an integer Status', async () => {
    const running = h.emulator.addTranscodeJob({ name: 'hd ladder', status: 1 });
    h.emulator.addTranscodeJob({ name: 'sd ladder', status: 2 });
    const body = await h.ice('ListLiveTranscodeJobs', { KeyWord: 'hd', Status: '1' });
    expect(body.TotalCount).toBe(1);
    expect((body.JobList as Array<Record<string, unknown>>)[0]).toMatchObject({
      JobId: running.jobId,
      Status: 1,
      StreamInput: { Type: 'rtmp' },
      OutputStream: { StreamInfos: [{ Type: 'rtmp' }] },
    });
    expect(await h.iceError('ListLiveTranscodeJobs', { Status: 'running' })).toBe('InvalidParameter');
    expect(await h.iceError('ListLiveTranscodeJobs', { Status: '3' })).toBe('InvalidParameter');
    expect(await h.iceError('ListLiveTranscodeJobs', { PageSize: '101' })).toBe('InvalidParameter');
  });

  it('submits a transcode job, stops it with SendLiveTranscodeJobCommand, and scopes lists by RegionId', async () => {
    const { JobId } = await submitTranscodeJob({ Name: 'ladder', StartMode: '0', RegionId: 'cn-beijing' });
    expect((await h.ice('ListLiveTranscodeJobs', { RegionId: 'cn-beijing', Status: '1' })).TotalCount).toBe(
      1,
    );
    expect((await h.ice('ListLiveTranscodeJobs', { RegionId: 'cn-shanghai' })).TotalCount).toBe(0);
    await h.ice('SendLiveTranscodeJobCommand', { JobId: String(JobId), Command: 'stop' }, { method: 'POST' });
    expect(h.emulator.transcodeJobs()[0]?.status).toBe(2);
    expect(
      await h.iceError(
        'SendLiveTranscodeJobCommand',
        { JobId: String(JobId), Command: 'start' },
        { method: 'POST' },
      ),
    ).toBe('InvalidParameter');
  });

  it('gets a record job and a transcode job by JobId, deletes the transcode job, and answers an unknown id', async () => {
    const record = h.emulator.addRecordJob({ name: 'kept record', status: 'started' });
    const transcode = h.emulator.addTranscodeJob({ name: 'doomed ladder', status: 1 });
    expect((await h.ice('GetLiveRecordJob', { JobId: record.jobId })).RecordJob).toMatchObject({
      JobId: record.jobId,
      Name: 'kept record',
      Status: 'started',
    });
    const ref = { JobId: transcode.jobId };
    expect((await h.ice('GetLiveTranscodeJob', ref, { method: 'POST' })).Job).toMatchObject({
      JobId: transcode.jobId,
      Status: 1,
    });
    await h.ice('DeleteLiveTranscodeJob', ref, { method: 'POST' });
    expect(h.emulator.transcodeJobs()).toHaveLength(0);
    expect(await h.iceError('GetLiveTranscodeJob', ref, { method: 'POST' })).toBe(
      'InvalidParameter.ResourceNotFound',
    );
    expect(await h.iceError('GetLiveRecordJob', { JobId: 'no-such-job' })).toBe(
      'InvalidParameter.ResourceNotFound',
    );
    expect(await h.iceError('GetLiveRecordJob', {})).toBe('MissingParameter');
  });

  it('starts a scheduled transcode job at TimedConfig.StartTime and stops it at EndTime', async () => {
    const now = h.clock.now();
    await submitTranscodeJob({
      Name: 'scheduled',
      StartMode: '1',
      TimedConfig: JSON.stringify({ StartTime: utc(now + HOUR), EndTime: utc(now + 2 * HOUR) }),
    });
    expect(h.emulator.transcodeJobs()[0]?.status).toBe(0);
    h.clock.advance(HOUR);
    expect(h.emulator.transcodeJobs()[0]?.status).toBe(1);
    h.clock.advance(HOUR);
    expect(h.emulator.transcodeJobs()[0]?.status).toBe(2);
  });
});

describe('dispatch', () => {
  it('answers InvalidApi.NotFound for an unknown action or version', async () => {
    expect(await h.liveError('DescribeLiveStreams', { Region: REGION })).toBe('InvalidApi.NotFound');
    expect(await h.liveError('ListLiveRecordJobs', {})).toBe('InvalidApi.NotFound');
  });
});
