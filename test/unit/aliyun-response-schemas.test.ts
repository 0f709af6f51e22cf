import { describe, expect, it } from 'vitest';
import {
  RecordListResponseSchema,
  RelayDescribeResponseSchema,
  RelayListResponseSchema,
  TranscodeListResponseSchema,
  toRecordPage,
  toRelayPage,
  toRelayTask,
  toTranscodePage,
} from '../../lib/aliyun/response-schemas.js';

/** The documented DescribeLivePullToPushList sample (seed 000), with its quirks. */
const documentedListSample = {
  RequestId: 'a05e6b15-15af-405b-a4a2-0152245*****',
  Total: 3,
  PageNumber: 1,
  PageSize: 10,
  TaskList: [
    {
      TaskId: 'fb0d4ac7-c7e3-4978-9743-0bf2f6e8****',
      TaskStatus: 0,
      TaskInvalidReason: 'PullStreamFailed',
      TaskExitTime: 1726354625,
      TaskExitReason: 'TriggerByUser',
      CurrentOffset: 0,
      CurrentFileIndex: 0,
      TaskInfo: {
        TaskId: 'fb0d4ac7-c7e3-4978-9743-0bf2f6e8****',
        TaskName: 'taskname',
        StartTime: '2024-12-04T09:16:00Z',
        EndTime: '2024-12-30T14:30:00Z',
        SourceType: 'vod',
        SourceProtocol: 'flv',
        SourceUrls: ['rtmp://118.178.***.*5:****/wwtestlive1/pulltest'],
        DstUrl: 'rtmp://qd.push.lgg.alivecdn.com/testhsc/streamhsc?live_rtmp_*******',
        CallbackURL: 'hahaha.com',
        Offset: 0,
        FileIndex: 0,
        RetryCount: 3,
        RetryInterval: 60,
        RepeatNumber: 0,
      },
    },
  ],
};

describe('relay task responses', () => {
  it('maps the documented list sample, trusting TaskStatus over the stray fields but keeping its TriggerByUser', () => {
    const page = toRelayPage(RelayListResponseSchema.parse(documentedListSample), 'cn-shanghai', {
      pageNumber: 1,
      pageSize: 10,
    });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(1);
    const task = page.items[0];
    expect(task).toMatchObject({
      kind: 'relay',
      taskId: 'fb0d4ac7-c7e3-4978-9743-0bf2f6e8****',
      region: 'cn-shanghai',
      status: 0,
      state: 'idle',
      name: 'taskname',
      sourceType: 'vod',
      callbackUrl: 'hahaha.com',
      retryCount: 3,
      retryInterval: 60,
    });
    // TriggerByUser in either field on any status is a user's stop (lib/events/stop-cause.ts).
    expect(task).toHaveProperty('exitReason', 'TriggerByUser');
    // Its exit time stays beside it: it tells a reason kept from an older stop (lib/remediate/decide.ts).
    expect(task).toHaveProperty('exitTime', 1726354625);
    expect(task).not.toHaveProperty('invalidReason');
  });

  it('reads numbers sent as strings, CallbackUrl spelled as in requests, and unknown fields', () => {
    const body = RelayDescribeResponseSchema.parse({
      RequestId: 'r',
      RetCode: '0',
      Description: 'OK',
      TaskId: 't9',
      TaskStatus: '2',
      TaskInvalidReason: 'PushStreamFailed',
      CurrentOffset: '125',
      SomethingNew: { nested: true },
      TaskInfo: { SourceUrls: '["rtmp://a.example.com/x/y"]', CallbackUrl: 'https://cb', RetryCount: '5' },
    });
    expect(body.RetCode).toBe(0);
    expect(toRelayTask(body, 'cn-beijing')).toMatchObject({
      taskId: 't9',
      status: 2,
      state: 'recovering',
      invalidReason: 'PushStreamFailed',
      currentOffset: 125,
      sourceUrls: ['rtmp://a.example.com/x/y'],
      callbackUrl: 'https://cb',
      retryCount: 5,
    });
  });

  it('keeps the exit reason and time of an exited task', () => {
    const body = RelayDescribeResponseSchema.parse({
      TaskId: 't1',
      TaskStatus: -1,
      TaskExitReason: 'OverEndTime',
      TaskExitTime: 1726354625,
      TaskInvalidReason: '',
    });
    const task = toRelayTask(body, 'cn-shanghai');
    expect(task).toMatchObject({ state: 'exited', exitReason: 'OverEndTime', exitTime: 1726354625 });
    expect(task?.sourceUrls).toEqual([]);
  });

  it('treats a missing or null TaskList as an empty page and rejects a missing Total', () => {
    expect(RelayListResponseSchema.parse({ Total: 0, TaskList: null }).TaskList).toEqual([]);
    expect(RelayListResponseSchema.safeParse({ TaskList: [] }).success).toBe(false);
  });

  it('rejects a TaskStatus that is not a number', () => {
    expect(
      RelayListResponseSchema.safeParse({ Total: 1, TaskList: [{ TaskId: 'a', TaskStatus: 'up' }] }).success,
    ).toBe(false);
  });
});

describe('ICE job responses', () => {
  it('maps the documented ListLiveRecordJobs sample', () => {
    const page = toRecordPage(
      RecordListResponseSchema.parse({
        RequestId: 'A27DFFA4',
        LiveRecordJobs: [
          {
            RecordOutput: { Type: 'oss', Bucket: 'imsbucket1', Endpoint: 'oss-cn-hangzhou.aliyuncs.com' },
            Name: '',
            NotifyUrl: 'https://example.com/imsnotify',
            TemplateId: '69e1f9fe',
            CreateTime: '2022-07-20T03:26:36Z',
            StreamInput: { Type: 'rtmp', Url: 'rtmp://example-live.com/live/stream1' },
            JobId: 'ab0e3e76',
            Status: 'paused',
            TemplateName: 'test template',
          },
        ],
        TotalCount: '180',
        PageNo: 1,
        PageSize: 20,
        SortBy: 'desc',
      }),
      'cn-hangzhou',
      { pageNumber: 1, pageSize: 20 },
    );
    expect(page.total).toBe(180);
    expect(page.items[0]).toEqual({
      kind: 'record',
      jobId: 'ab0e3e76',
      region: 'cn-hangzhou',
      status: 'paused',
      state: 'paused',
      createTime: '2022-07-20T03:26:36Z',
      streamUrl: 'rtmp://example-live.com/live/stream1',
      notifyUrl: 'https://example.com/imsnotify',
      templateId: '69e1f9fe',
    });
  });

  it('maps the documented ListLiveTranscodeJobs sample', () => {
    const page = toTranscodePage(
      TranscodeListResponseSchema.parse({
        RequestId: 'x',
        TotalCount: 100,
        JobList: [
          {
            Name: 'mytask',
            JobId: 'job-1',
            TemplateType: 'normal',
            TemplateId: 'tpl',
            StartMode: 0,
            Status: 1,
            StreamInput: { Type: 'rtmp', InputUrl: 'rtmp://mydomain/app/stream1' },
            OutputStream: { StreamInfos: [{ Type: 'rtmp', OutputUrl: 'rtmp://mydomain/app/mytranscode1' }] },
            CreateTime: '2022-07-20T02:48:58Z',
          },
        ],
      }),
      'cn-shanghai',
      { pageNumber: 4, pageSize: 25 },
    );
    expect(page).toMatchObject({ pageNumber: 4, pageSize: 25, total: 100 });
    expect(page.items[0]).toMatchObject({
      kind: 'transcode',
      jobId: 'job-1',
      status: 1,
      state: 'running',
      name: 'mytask',
      startMode: 0,
      inputUrl: 'rtmp://mydomain/app/stream1',
      outputUrls: ['rtmp://mydomain/app/mytranscode1'],
    });
  });

  it('maps a transcode job with a string Status and no output', () => {
    const page = toTranscodePage(
      TranscodeListResponseSchema.parse({ TotalCount: 1, JobList: [{ JobId: 'j', Status: '2' }] }),
      'cn-shanghai',
      { pageNumber: 1, pageSize: 100 },
    );
    expect(page.items[0]).toMatchObject({ status: 2, state: 'stopped', outputUrls: [] });
  });
});
