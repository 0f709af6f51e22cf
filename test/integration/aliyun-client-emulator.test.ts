import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AliyunClient } from '../../lib/aliyun/api.js';
import { type AliyunClientSettings, createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { systemClock } from '../../lib/clock.js';
import { AliyunApiError, ValidationError } from '../../lib/errors.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';

/** The client against the Live/ICE emulator over loopback: every action, both signatures, faults. */

function clientFor(emulator: Emulator, overrides: Partial<AliyunClientSettings> = {}): AliyunClient {
  const config: AliyunClientSettings = {
    LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    LIVEWATCH_API_SIGNATURE: 'v3',
    LIVEWATCH_API_TIMEOUT_MS: 2_000,
    LIVEWATCH_API_DEADLINE_MS: 20_000,
    LIVEWATCH_API_QPS: 10,
    ...overrides,
  };
  return createAliyunClient({
    config,
    credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
    accountId: 'acct-emulator',
    limiter: createMemoryRateLimiter({
      limit: config.LIVEWATCH_API_QPS,
      windowMs: 1_100,
      clock: systemClock,
    }),
    backoff: { baseMs: 20, capMs: 200 },
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const HOUR = 3_600_000;
const utc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

describe('every action against the emulator', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 200 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it.each(['v3', 'v1'] as const)(
    'creates, describes, lists, updates, stops, restarts and deletes (%s)',
    async (signature) => {
      const client = clientFor(emulator, { LIVEWATCH_API_SIGNATURE: signature, LIVEWATCH_API_QPS: 100 });
      const now = Date.now();
      const { taskId } = await client.createRelayTask({
        region: 'cn-beijing',
        taskName: `created-${signature}`,
        startTime: utc(now + HOUR),
        endTime: utc(now + 2 * HOUR),
        sourceType: 'url',
        sourceUrls: ['https://cdn.example.com/a.mp4', 'https://cdn.example.com/b.mp4'],
        dstUrl: 'rtmp://push.example.com/live/out',
        callbackUrl: 'https://hooks.example.com/callback/abc',
        retryInterval: 90,
      });
      expect(emulator.task(taskId)?.status).toBe(0);

      const described = await client.describeRelayTask({ region: 'cn-beijing', taskId });
      expect(described).toMatchObject({
        kind: 'relay',
        taskId,
        region: 'cn-beijing',
        state: 'idle',
        name: `created-${signature}`,
        sourceType: 'url',
        sourceUrls: ['https://cdn.example.com/a.mp4', 'https://cdn.example.com/b.mp4'],
        dstUrl: 'rtmp://push.example.com/live/out',
        callbackUrl: 'https://hooks.example.com/callback/abc',
        retryInterval: 90,
      });

      const listed = await collect(
        client.listRelayTasks({ region: 'cn-beijing', taskName: `created-${signature}` }),
      );
      expect(listed.map((task) => task.taskId)).toEqual([taskId]);

      await client.updateRelayTask({
        region: 'cn-beijing',
        taskId,
        fileIndex: 1,
        offset: 30,
        repeatNumber: -1,
      });
      expect(emulator.task(taskId)).toMatchObject({ fileIndex: 1, offset: 30, repeatNumber: -1 });

      const running = emulator.addTask({ region: 'cn-beijing', sourceType: 'live', status: 1 });
      await client.stopRelayTask({ region: 'cn-beijing', taskId: running.taskId });
      expect(emulator.task(running.taskId)?.status).toBe(3);
      const restarted = await client.restartRelayTask({ region: 'cn-beijing', taskId: running.taskId });
      expect(restarted.taskId).toBe(running.taskId);
      expect(emulator.task(running.taskId)?.status).toBe(1);

      await client.deleteRelayTask({ region: 'cn-beijing', taskId });
      const gone = await failureOf(client.describeRelayTask({ region: 'cn-beijing', taskId }));
      expect(gone).toBeInstanceOf(AliyunApiError);
      expect(gone).toMatchObject({ code: 'CodeTaskNotExist', retryable: false, httpStatus: 400 });

      const schemes = new Set(
        emulator.requests
          .filter((request) => request.accessKeyId !== undefined)
          .map((request) => request.scheme),
      );
      expect(schemes.has(signature)).toBe(true);
    },
  );

  it('returns the new TaskId when Restart re-keys the task', async () => {
    emulator.setRestartNewTaskId(true);
    try {
      // The emulator re-keys its task object in place: keep the original id.
      const originalId = emulator.addTask({ region: 'cn-shanghai', sourceType: 'live', status: 3 }).taskId;
      const client = clientFor(emulator);
      const { taskId } = await client.restartRelayTask({ region: 'cn-shanghai', taskId: originalId });
      expect(taskId).not.toBe(originalId);
      expect((await client.describeRelayTask({ region: 'cn-shanghai', taskId })).state).toBe('running');
    } finally {
      emulator.setRestartNewTaskId(false);
    }
  });

  it('lists ICE record and transcode jobs of the requested region only', async () => {
    const record = emulator.addRecordJob({ region: 'cn-hangzhou', name: 'rec-hz', status: 'paused' });
    emulator.addRecordJob({ region: 'cn-beijing', name: 'rec-bj', status: 'started' });
    const transcode = emulator.addTranscodeJob({ region: 'cn-hangzhou', name: 'tr-hz', status: 2 });
    const client = clientFor(emulator);
    const records = await collect(client.listRecordJobs({ region: 'cn-hangzhou' }));
    expect(records.map((job) => job.jobId)).toEqual([record.jobId]);
    expect(records[0]).toMatchObject({
      kind: 'record',
      region: 'cn-hangzhou',
      state: 'paused',
      name: 'rec-hz',
    });
    const transcodes = await collect(client.listTranscodeJobs({ region: 'cn-hangzhou', status: 2 }));
    expect(transcodes.map((job) => job.jobId)).toEqual([transcode.jobId]);
    expect(transcodes[0]).toMatchObject({ kind: 'transcode', state: 'stopped', name: 'tr-hz' });
  });

  it('sends nothing for a request that breaks a documented rule', async () => {
    const client = clientFor(emulator);
    const before = emulator.requests.length;
    const failures = await Promise.all([
      failureOf(collect(client.listRelayTasks({ region: 'cn-shanghai', pageSize: 500 }))),
      failureOf(client.describeRelayTask({ region: 'cn-hangzhou', taskId: 'x' })),
      failureOf(
        client.createRelayTask({
          region: 'cn-shanghai',
          startTime: '2030-01-02T00:00:00Z',
          endTime: '2030-01-01T00:00:00Z',
          sourceType: 'live',
          sourceUrls: ['rtmp://a/b/c'],
          dstUrl: 'rtmp://d/e/f',
        }),
      ),
      failureOf(
        client.updateRelayTask({ region: 'cn-shanghai', taskId: 't', endTime: '2020-01-01T00:00:00Z' }),
      ),
      failureOf(
        collect(
          client.listRecordJobs({
            region: 'cn-shanghai',
            startTime: '2026-01-01T00:00:00Z',
            endTime: '2026-03-01T00:00:00Z',
          }),
        ),
      ),
      failureOf(collect(client.listTranscodeJobs({ region: 'cn-shanghai', pageSize: 101 }))),
    ]);
    for (const failure of failures) expect(failure).toBeInstanceOf(ValidationError);
    expect((failures[0] as ValidationError).issues).toEqual([
      { path: 'PageSize', message: 'must be an integer between 1 and 100' },
    ]);
    expect(emulator.requests.length).toBe(before);
  });

  it('does not retry a 4xx: one request for a missing task', async () => {
    const client = clientFor(emulator);
    const before = emulator.requests.length;
    const failure = await failureOf(client.stopRelayTask({ region: 'cn-shanghai', taskId: 'no-such-task' }));
    expect(failure).toMatchObject({ code: 'CodeTaskNotExist', retryable: false });
    expect(emulator.requests.length - before).toBe(1);
    expect(client.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
  });
});

describe('pagination of 10,000 tasks', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 200, tasks: 10_000, regions: ['cn-shanghai'] });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('yields every id exactly once, pages in order, without throttling', async () => {
    // The emulator re-evaluates all 10,000 tasks on every call, which is slow on a busy machine:
    // generous timeouts keep this about completeness, not speed (that is bench/list-tasks.ts).
    const client = clientFor(emulator, {
      LIVEWATCH_API_QPS: 200,
      LIVEWATCH_API_TIMEOUT_MS: 30_000,
      LIVEWATCH_API_DEADLINE_MS: 60_000,
    });
    const pages = await collect(client.listRelayTaskPages({ region: 'cn-shanghai' }));
    expect(pages.map((page) => page.pageNumber)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const ids = pages.flatMap((page) => page.items.map((task) => task.taskId));
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids)).toEqual(new Set(emulator.tasks().map((task) => task.taskId)));
    expect(emulator.stats().totals.throttled).toBe(0);
    expect(client.stats()).toMatchObject({ requests: 100, retries: 0 });
  }, 90_000);
});

describe('rate limit', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 200, tasks: 30, regions: ['cn-shanghai'] });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('continues a listing from a cursor page', async () => {
    const client = clientFor(emulator, { LIVEWATCH_API_QPS: 200 });
    const pages = await collect(
      client.listRelayTaskPages({ region: 'cn-shanghai', pageSize: 4, fromPage: 7 }),
    );
    expect(pages.map((page) => [page.pageNumber, page.items.length])).toEqual([
      [7, 4],
      [8, 2],
    ]);
  });

  it('draws no throttling error from a burst of 1,000 calls (qps 200 on both sides)', async () => {
    // Client and emulator share one process on a small machine: 200 calls in flight at once can
    // take seconds to be answered, so the timeouts are generous (the property is "no throttling").
    const client = clientFor(emulator, {
      LIVEWATCH_API_QPS: 200,
      LIVEWATCH_API_TIMEOUT_MS: 15_000,
      LIVEWATCH_API_DEADLINE_MS: 60_000,
    });
    const before = emulator.stats().totals.throttled;
    const ids = emulator.tasks().map((task) => task.taskId);
    const wanted = Array.from({ length: 1_000 }, (_, i) => ids[i % ids.length] as string);
    const tasks = await Promise.all(
      wanted.map((taskId) => client.describeRelayTask({ region: 'cn-shanghai', taskId })),
    );
    expect(tasks.map((task) => task.taskId)).toEqual(wanted);
    expect(emulator.stats().totals.throttled - before).toBe(0);
    expect(client.stats()).toMatchObject({ requests: 1_000, throttled: 0, retries: 0 });
  }, 90_000);
});

describe('recovery from injected API faults', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 200, seed: 7, tasks: 300, regions: ['cn-shanghai'] });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it.each([
    ['5xx', {}],
    ['throttle', {}],
    ['timeout', { LIVEWATCH_API_TIMEOUT_MS: 300 }],
  ] as const)('lists every task despite %s faults on a third of the calls', async (kind, overrides) => {
    emulator.faults.apiFaults({ kind, rate: 0.34, action: 'DescribeLivePullToPushList' });
    try {
      const client = clientFor(emulator, { LIVEWATCH_API_QPS: 100, ...overrides });
      const tasks = await collect(client.listRelayTasks({ region: 'cn-shanghai', pageSize: 10 }));
      expect(tasks).toHaveLength(300);
      expect(client.stats().retries).toBeGreaterThan(0);
      expect(client.stats().failures).toBe(0);
      if (kind === 'throttle') expect(client.stats().throttled).toBe(client.stats().retries);
    } finally {
      emulator.faults.clear();
    }
  });
});
