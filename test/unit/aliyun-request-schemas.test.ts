import { describe, expect, it } from 'vitest';
import {
  buildCreateRelayTaskRequest,
  buildListRecordJobsRequest,
  buildListRelayTasksRequest,
  buildListTranscodeJobsRequest,
  buildTaskRefRequest,
  buildUpdateRelayTaskRequest,
  RETRY_COUNT_MAX,
} from '../../lib/aliyun/request-schemas.js';
import { ValidationError } from '../../lib/errors.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** Runs `build` and returns the ValidationError issues it threw ([] if it did not throw). */
function issuesOf(build: () => unknown): Array<{ path: string; message: string }> {
  try {
    build();
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
  }
}

/** The issues of a page-1 ListLiveRecordJobs request in cn-shanghai over the time window given. */
function recordWindowIssues(window: { startTime?: string; endTime?: string }) {
  return issuesOf(() => buildListRecordJobsRequest({ region: 'cn-shanghai', ...window }, 1));
}

const validCreate = {
  region: 'cn-shanghai',
  startTime: '2026-01-01T01:00:00Z',
  endTime: '2026-01-02T01:00:00Z',
  sourceType: 'live' as const,
  sourceUrls: ['rtmp://source.example.com/app/stream'],
  dstUrl: 'rtmp://push.example.com/app/stream',
};

describe('DescribeLivePullToPushList request', () => {
  it('serialises the filters and page with the API names, PageSize 100 by default', () => {
    expect(buildListRelayTasksRequest({ region: 'cn-beijing', taskName: 'news' }, 3)).toEqual({
      Region: 'cn-beijing',
      TaskName: 'news',
      PageNumber: '3',
      PageSize: '100',
    });
  });

  it.each([
    [{ region: 'cn-hangzhou' }, 1, 'Region'],
    [{ region: 'cn-shanghai', pageSize: 0 }, 1, 'PageSize'],
    [{ region: 'cn-shanghai', pageSize: 101 }, 1, 'PageSize'],
    [{ region: 'cn-shanghai', pageSize: 10.5 }, 1, 'PageSize'],
    [{ region: 'cn-shanghai' }, 0, 'PageNumber'],
    [{ region: 'cn-shanghai', taskId: 'x'.repeat(56) }, 1, 'TaskId'],
    [{ region: 'cn-shanghai', taskId: 'has space' }, 1, 'TaskId'],
  ])('rejects %j page %i naming %s', (params, page, parameter) => {
    const issues = issuesOf(() => buildListRelayTasksRequest(params, page));
    expect(issues.map((issue) => issue.path)).toEqual([parameter]);
  });

  it('says which rule a bad PageSize broke', () => {
    expect(issuesOf(() => buildListRelayTasksRequest({ region: 'cn-shanghai', pageSize: 500 }, 1))).toEqual([
      { path: 'PageSize', message: 'must be an integer between 1 and 100' },
    ]);
  });

  it('accepts a 55-character task id of letters, digits, _ and -', () => {
    const taskId = `${'a'.repeat(50)}_-9Zz`;
    expect(buildListRelayTasksRequest({ region: 'cn-shanghai', taskId }, 1).TaskId).toBe(taskId);
  });
});

describe('task reference requests (Describe, Stop, Restart, Delete)', () => {
  it('sends Region and TaskId', () => {
    expect(buildTaskRefRequest('StopLivePullToPush', { region: 'ap-southeast-1', taskId: 'abc-1' })).toEqual({
      Region: 'ap-southeast-1',
      TaskId: 'abc-1',
    });
  });

  it('rejects an empty task id and an unknown live center', () => {
    expect(
      issuesOf(() => buildTaskRefRequest('RestartLivePullToPush', { region: 'preregion', taskId: '' })).map(
        (issue) => issue.path,
      ),
    ).toEqual(['Region', 'TaskId']);
  });
});

describe('CreateLivePullToPush request', () => {
  it('sends SourceUrls as one JSON array string', () => {
    const wire = buildCreateRelayTaskRequest({ ...validCreate, retryInterval: 120, callbackUrl: '' }, NOW);
    expect(wire.SourceUrls).toBe('["rtmp://source.example.com/app/stream"]');
    expect(wire.RetryInterval).toBe('120');
    expect(wire.CallbackUrl).toBe('');
    expect(wire).not.toHaveProperty('Offset');
  });

  it.each([
    ['two live sources', { sourceUrls: ['rtmp://a/b/c', 'rtmp://a/b/d'] }, 'SourceUrls', 'exactly one'],
    ['no source', { sourceUrls: [] }, 'SourceUrls', 'at least one'],
    ['31 vod files', { sourceType: 'vod', sourceUrls: Array(31).fill('media-id') }, 'SourceUrls', '30'],
    ['an http destination', { dstUrl: 'http://push.example.com/a/b' }, 'DstUrl', 'rtmp://'],
    ['a 2001-char destination', { dstUrl: `rtmp://h/${'a'.repeat(1992)}` }, 'DstUrl', '2000'],
    ['a 2001-char callback', { callbackUrl: `https://h/${'a'.repeat(1991)}` }, 'CallbackUrl', '2000'],
    ['a retry interval of 59 s', { retryInterval: 59 }, 'RetryInterval', '60 and 300'],
    ['a retry interval of 301 s', { retryInterval: 301 }, 'RetryInterval', '60 and 300'],
    ['a local-time start', { startTime: '2026-01-01 01:00:00' }, 'StartTime', 'UTC'],
    ['an offset-zone end', { endTime: '2026-01-02T01:00:00+08:00' }, 'EndTime', 'UTC'],
    ['an end before the start', { endTime: '2026-01-01T00:30:00Z' }, 'EndTime', 'later than StartTime'],
    [
      'an end in the past',
      { startTime: '2025-12-01T00:00:00Z', endTime: '2025-12-31T00:00:00Z' },
      'EndTime',
      'future',
    ],
    ['an offset on a live source', { offset: 30 }, 'Offset', 'vod or url'],
    ['a zero offset', { sourceType: 'url', offset: 0 }, 'Offset', 'positive'],
    ['a protocol on a vod source', { sourceType: 'vod', sourceProtocol: 'rtmp' }, 'SourceProtocol', 'live'],
    ['an unknown source type', { sourceType: 'file' }, 'SourceType', 'live, vod or url'],
    ['a file index on a live source', { fileIndex: 0 }, 'FileIndex', 'vod or url'],
    ['a file index past the list', { sourceType: 'vod', fileIndex: 1 }, 'FileIndex', 'below'],
    ['a repeat number of -2', { sourceType: 'vod', repeatNumber: -2 }, 'RepeatNumber', '-1'],
  ])('rejects %s', (_what, change, parameter, rule) => {
    const issues = issuesOf(() =>
      buildCreateRelayTaskRequest({ ...validCreate, ...change } as typeof validCreate, NOW),
    );
    expect(issues.map((issue) => issue.path)).toContain(parameter);
    expect(issues.find((issue) => issue.path === parameter)?.message).toContain(rule);
  });

  it('accepts 30 url sources with a loop and an offset', () => {
    const wire = buildCreateRelayTaskRequest(
      {
        ...validCreate,
        sourceType: 'url',
        sourceUrls: Array.from({ length: 30 }, (_, i) => `https://cdn.example.com/${i}.mp4`),
        repeatNumber: -1,
        offset: 15,
        fileIndex: 2,
      },
      NOW,
    );
    expect(JSON.parse(wire.SourceUrls ?? '[]')).toHaveLength(30);
    expect(wire.RepeatNumber).toBe('-1');
  });
});

describe('UpdateLivePullToPush request', () => {
  it('sends only the fields being changed', () => {
    expect(
      buildUpdateRelayTaskRequest({ region: 'cn-shanghai', taskId: 't1', fileIndex: 3, offset: 42 }, NOW),
    ).toEqual({ Region: 'cn-shanghai', TaskId: 't1', FileIndex: '3', Offset: '42' });
  });

  it('rejects an update that changes nothing', () => {
    expect(issuesOf(() => buildUpdateRelayTaskRequest({ region: 'cn-shanghai', taskId: 't1' }, NOW))).toEqual(
      [{ path: 'TaskId', message: 'an update must change at least one parameter' }],
    );
  });

  it('rejects an EndTime in the past', () => {
    expect(
      issuesOf(() =>
        buildUpdateRelayTaskRequest(
          { region: 'cn-shanghai', taskId: 't1', endTime: '2025-06-01T00:00:00Z' },
          NOW,
        ),
      ),
    ).toEqual([{ path: 'EndTime', message: 'must be in the future' }]);
  });

  it('rejects more than 30 source URLs', () => {
    const sourceUrls = Array(31).fill('https://cdn.example.com/a.mp4');
    expect(
      issuesOf(() => buildUpdateRelayTaskRequest({ region: 'cn-shanghai', taskId: 't1', sourceUrls }, NOW)),
    ).toEqual([{ path: 'SourceUrls', message: 'must hold at most 30 entries' }]);
  });
});

describe('ICE list requests', () => {
  it('ListLiveRecordJobs uses Keyword and PageNo, and sends the region as RegionId', () => {
    expect(
      buildListRecordJobsRequest({ region: 'cn-hangzhou', keyword: 'news', status: 'paused' }, 2),
    ).toEqual({
      RegionId: 'cn-hangzhou',
      Keyword: 'news',
      Status: 'paused',
      PageNo: '2',
      PageSize: '100',
    });
  });

  it('ListLiveRecordJobs rejects a time range over 30 days and a non-UTC time', () => {
    expect(
      recordWindowIssues({ startTime: '2026-01-01T00:00:00Z', endTime: '2026-02-01T00:00:00Z' }),
    ).toEqual([{ path: 'EndTime', message: 'must be at most 30 days after StartTime' }]);
    expect(recordWindowIssues({ startTime: '2026-01-01' }).map((issue) => issue.path)).toEqual(['StartTime']);
  });

  it.each(['2026-02-30T00:00:00Z', '2026-04-31T10:00:00Z', '2026-01-01T24:00:00Z'])(
    'rejects %s, which is not a real calendar time (the API refuses it too)',
    (time) => {
      expect(recordWindowIssues({ startTime: time })).toEqual([
        { path: 'StartTime', message: 'is not a real calendar date and time' },
      ]);
    },
  );

  it("ListLiveRecordJobs refuses the page's own example window (StartTime 2022-07-15T08:00:00Z, EndTime 2022-07-11T08:00:00Z), as the emulator does", () => {
    expect(
      recordWindowIssues({ startTime: '2022-07-15T08:00:00Z', endTime: '2022-07-11T08:00:00Z' }),
    ).toEqual([{ path: 'EndTime', message: 'must not be earlier than StartTime' }]);
  });

  it('RetryCount: the pages give only a default (3); client and emulator share one range, 0–1000', () => {
    const create = (retryCount: number) =>
      buildCreateRelayTaskRequest(
        {
          region: 'cn-shanghai',
          startTime: '2030-01-01T00:00:00Z',
          endTime: '2030-01-02T00:00:00Z',
          sourceType: 'live',
          sourceUrls: ['rtmp://o.example.com/a/b'],
          dstUrl: 'rtmp://p.example.com/a/b',
          retryCount,
        },
        Date.UTC(2026, 0, 1),
      );
    expect(create(RETRY_COUNT_MAX).RetryCount).toBe(String(RETRY_COUNT_MAX));
    expect(issuesOf(() => create(RETRY_COUNT_MAX + 1)).map((issue) => issue.path)).toEqual(['RetryCount']);
  });

  it('ListLiveRecordJobs accepts exactly 30 days', () => {
    expect(
      buildListRecordJobsRequest(
        { region: 'cn-shanghai', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-31T00:00:00Z' },
        1,
      ).EndTime,
    ).toBe('2026-01-31T00:00:00Z');
  });

  it('ListLiveTranscodeJobs uses KeyWord (capital W) and an integer Status', () => {
    expect(
      buildListTranscodeJobsRequest({ region: 'us-west-1', keyword: 'k', status: 2, pageSize: 50 }, 1),
    ).toEqual({ RegionId: 'us-west-1', KeyWord: 'k', Status: '2', PageNo: '1', PageSize: '50' });
  });

  it('ListLiveTranscodeJobs rejects PageSize over 100 and a region without ICE', () => {
    expect(
      issuesOf(() => buildListTranscodeJobsRequest({ region: 'ap-southeast-5', pageSize: 200 }, 1)).map(
        (issue) => issue.path,
      ),
    ).toEqual(['Region', 'PageSize']);
  });
});
