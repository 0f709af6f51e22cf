import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AliyunClientSettings, createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import type { RateLimiter } from '../../lib/aliyun/rate-limiter.js';
import { type Clock, ManualClock, systemClock } from '../../lib/clock.js';
import { AliyunApiError } from '../../lib/errors.js';

/**
 * The client against a scripted HTTP server on loopback: the real SDK sends real requests and
 * throws its real errors, so these tests pin the wire metadata per action and how each kind of
 * failure (throttling, HTML 503, reset, hang, 4xx) is classified and retried.
 */
interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}
type Reply = (request: SeenRequest, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Answers the n-th request with replies[n] (the last reply repeats). */
async function scriptedServer(replies: Reply[]): Promise<{ endpoint: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      const reply = replies[Math.min(seen.length - 1, replies.length - 1)];
      reply?.(request, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_request, res) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
const emptyList = json(200, { RequestId: 'ok-1', Total: 0, PageNumber: 1, PageSize: 100, TaskList: [] });
const apiError = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(
    status,
    { RequestId: `req-${code}`, HostId: 'live.aliyuncs.com', Code: code, Message: `${code}.` },
    headers,
  );
const html503: Reply = (_request, res) => {
  res.writeHead(503, { 'content-type': 'text/html' });
  res.end('<html><body>503 Service Temporarily Unavailable</body></html>');
};
const resetSocket: Reply = (_request, res) => res.socket?.destroy();
const hang: Reply = () => undefined;

function settings(endpoint: string, overrides: Partial<AliyunClientSettings> = {}): AliyunClientSettings {
  return {
    LIVEWATCH_LIVE_ENDPOINT: endpoint,
    LIVEWATCH_ICE_ENDPOINT: endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    LIVEWATCH_API_SIGNATURE: 'v3',
    LIVEWATCH_API_TIMEOUT_MS: 2_000,
    LIVEWATCH_API_DEADLINE_MS: 10_000,
    LIVEWATCH_API_QPS: 10,
    ...overrides,
  };
}

function clientFor(
  endpoint: string,
  options: {
    overrides?: Partial<AliyunClientSettings>;
    clock?: Clock;
    limiter?: RateLimiter;
    random?: () => number;
    securityToken?: string;
  } = {},
) {
  const clock = options.clock ?? systemClock;
  return createAliyunClient({
    config: settings(endpoint, options.overrides),
    credentials: {
      accessKeyId: 'test-key-id',
      accessKeySecret: 'test-key-secret',
      ...(options.securityToken ? { securityToken: options.securityToken } : {}),
    },
    accountId: 'acct-1',
    limiter: options.limiter ?? createMemoryRateLimiter({ limit: 100, windowMs: 1000, clock }),
    clock,
    random: options.random ?? (() => 0),
    backoff: { baseMs: 20, capMs: 100 },
  });
}

async function listAll(client: ReturnType<typeof clientFor>): Promise<string[]> {
  const ids: string[] = [];
  for await (const task of client.listRelayTasks({ region: 'cn-shanghai' })) ids.push(task.taskId);
  return ids;
}

async function rejectionOf(promise: Promise<unknown>): Promise<AliyunApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AliyunApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Waits (one event-loop turn at a time) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 10_000 && !condition(); turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

describe('wire metadata (V3 signature)', () => {
  it('sends a Live list as a signed GET with every parameter in the query', async () => {
    const server = await scriptedServer([emptyList]);
    await listAll(clientFor(server.endpoint));
    const [request] = server.seen;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/');
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      Region: 'cn-shanghai',
      PageNumber: '1',
      PageSize: '100',
    });
    expect(request?.headers['x-acs-action']).toBe('DescribeLivePullToPushList');
    expect(request?.headers['x-acs-version']).toBe('2016-11-01');
    expect(request?.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=test-key-id,SignedHeaders=/);
    expect(request?.body).toBe('');
  });

  it('sends Create as a POST whose parameters are still all in the query', async () => {
    const server = await scriptedServer([json(200, { RequestId: 'r', RetCode: 0, TaskId: 'new-task' })]);
    const created = await clientFor(server.endpoint).createRelayTask({
      region: 'cn-beijing',
      startTime: '2030-01-01T00:00:00Z',
      endTime: '2030-01-02T00:00:00Z',
      sourceType: 'vod',
      sourceUrls: ['media-1', 'media-2'],
      dstUrl: 'rtmp://push.example.com/app/s',
    });
    expect(created).toEqual({ taskId: 'new-task' });
    const [request] = server.seen;
    expect(request?.method).toBe('POST');
    expect(request?.body).toBe('');
    expect(request?.query.get('SourceUrls')).toBe('["media-1","media-2"]');
    expect(request?.headers['x-acs-action']).toBe('CreateLivePullToPush');
  });

  it('sends the ICE lists with version 2020-11-09: record as GET, transcode as POST, both in the query', async () => {
    const server = await scriptedServer([
      json(200, { TotalCount: 1, LiveRecordJobs: [{ JobId: 'rec-1', Status: 'started' }] }),
      json(200, { TotalCount: 1, JobList: [{ JobId: 'tr-1', Status: 1 }] }),
    ]);
    const direct = clientFor(server.endpoint);
    const records = [];
    for await (const job of direct.listRecordJobs({ region: 'cn-shanghai', status: 'started' }))
      records.push(job);
    const transcodes = [];
    for await (const job of direct.listTranscodeJobs({ region: 'cn-shanghai', status: 1 }))
      transcodes.push(job);
    expect(records.map((job) => job.state)).toEqual(['started']);
    expect(transcodes.map((job) => job.state)).toEqual(['running']);
    const [recordRequest, transcodeRequest] = server.seen;
    expect(recordRequest?.method).toBe('GET');
    expect(recordRequest?.headers['x-acs-action']).toBe('ListLiveRecordJobs');
    expect(recordRequest?.headers['x-acs-version']).toBe('2020-11-09');
    expect(Object.fromEntries(recordRequest?.query ?? [])).toEqual({
      RegionId: 'cn-shanghai',
      Status: 'started',
      PageNo: '1',
      PageSize: '100',
    });
    expect(transcodeRequest?.method).toBe('POST');
    expect(transcodeRequest?.query.get('Status')).toBe('1');
  });

  it('carries an STS token in x-acs-security-token', async () => {
    const server = await scriptedServer([emptyList]);
    await listAll(clientFor(server.endpoint, { securityToken: 'sts-token-value' }));
    expect(server.seen[0]?.headers['x-acs-security-token']).toBe('sts-token-value');
  });
});

describe('wire metadata (V1 signature)', () => {
  it('signs with HMAC-SHA1 SignatureVersion 1.0 and puts Action and Version in the query', async () => {
    const server = await scriptedServer([json(200, { RequestId: 'r', TaskId: 't-2' })]);
    const client = clientFor(server.endpoint, {
      overrides: { LIVEWATCH_API_SIGNATURE: 'v1' },
      securityToken: 'sts-token-value',
    });
    expect(await client.restartRelayTask({ region: 'cn-shanghai', taskId: 't-1' })).toEqual({
      taskId: 't-2',
    });
    const query = server.seen[0]?.query;
    expect(query?.get('Action')).toBe('RestartLivePullToPush');
    expect(query?.get('Version')).toBe('2016-11-01');
    expect(query?.get('SignatureMethod')).toBe('HMAC-SHA1');
    expect(query?.get('SignatureVersion')).toBe('1.0');
    expect(query?.get('SecurityToken')).toBe('sts-token-value');
    expect(query?.get('TaskId')).toBe('t-1');
    expect(query?.get('Signature')).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });
});

describe('retries', () => {
  it('retries throttling (HTTP 400 Throttling.User), an HTML 503 and a reset connection, then succeeds', async () => {
    const server = await scriptedServer([apiError(400, 'Throttling.User'), html503, resetSocket, emptyList]);
    const client = clientFor(server.endpoint);
    expect(await listAll(client)).toEqual([]);
    expect(server.seen).toHaveLength(4);
    expect(client.stats()).toMatchObject({ requests: 4, retries: 3, throttled: 1, failures: 0 });
    expect(client.stats().byAction).toEqual({ DescribeLivePullToPushList: 4 });
  });

  it('treats any Code containing Throttling as throttling, even with HTTP 200 status codes elsewhere', async () => {
    const server = await scriptedServer([apiError(403, 'Throttling.Api'), emptyList]);
    const client = clientFor(server.endpoint);
    await listAll(client);
    expect(client.stats()).toMatchObject({ requests: 2, throttled: 1 });
  });

  it('waits at least the x-acs-retry-after the server asked for, on the injected clock', async () => {
    const server = await scriptedServer([
      apiError(400, 'Throttling', { 'x-acs-retry-after': '2000' }),
      emptyList,
    ]);
    const clock = new ManualClock(0);
    const listing = listAll(clientFor(server.endpoint, { clock }));
    await until(() => server.seen.length === 1 && clock.pendingSleepers === 1);
    clock.advance(1_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pendingSleepers).toBe(1);
    expect(server.seen).toHaveLength(1);
    clock.advance(1);
    expect(await listing).toEqual([]);
    expect(server.seen).toHaveLength(2);
  });

  it('retries a request that hangs past the per-call timeout', async () => {
    const server = await scriptedServer([hang, emptyList]);
    const client = clientFor(server.endpoint, { overrides: { LIVEWATCH_API_TIMEOUT_MS: 200 } });
    expect(await listAll(client)).toEqual([]);
    expect(client.stats()).toMatchObject({ requests: 2, retries: 1 });
  });

  it('does not retry a 4xx such as InvalidParameter: exactly one request, the API error surfaced', async () => {
    const server = await scriptedServer([apiError(400, 'InvalidParameter'), emptyList]);
    const client = clientFor(server.endpoint);
    const error = await rejectionOf(listAll(client));
    expect(server.seen).toHaveLength(1);
    expect(error).toMatchObject({
      action: 'DescribeLivePullToPushList',
      code: 'InvalidParameter',
      requestId: 'req-InvalidParameter',
      httpStatus: 400,
      retryable: false,
    });
    expect(error.cause).toBeInstanceOf(Error);
    expect(client.stats()).toMatchObject({ requests: 1, retries: 0, failures: 1 });
  });

  it('does not resend a Create after a 5xx or a reset (a duplicate task would break both), but does after throttling', async () => {
    const create = (client: ReturnType<typeof clientFor>) =>
      client.createRelayTask({
        region: 'cn-shanghai',
        startTime: '2030-01-01T00:00:00Z',
        endTime: '2030-01-02T00:00:00Z',
        sourceType: 'live',
        sourceUrls: ['rtmp://origin.example.com/app/s'],
        dstUrl: 'rtmp://push.example.com/app/s',
      });
    for (const failure of [apiError(500, 'InternalError'), resetSocket]) {
      const server = await scriptedServer([failure, json(200, { RequestId: 'r', TaskId: 'dup' })]);
      const error = await rejectionOf(create(clientFor(server.endpoint)));
      expect(error.retryable).toBe(true);
      expect(server.seen).toHaveLength(1);
    }
    const throttled = await scriptedServer([
      apiError(400, 'Throttling.User'),
      json(200, { RequestId: 'r', TaskId: 'created-once' }),
    ]);
    expect(await create(clientFor(throttled.endpoint))).toEqual({ taskId: 'created-once' });
    expect(throttled.seen).toHaveLength(2);
  });

  it('never resends Restart, Stop, Update or Delete after a 5xx, a timeout or a reset: one request, outcome unknown', async () => {
    const ref = { region: 'cn-shanghai', taskId: 'task-1' };
    const mutations = [
      (client: ReturnType<typeof clientFor>) => client.restartRelayTask(ref),
      (client: ReturnType<typeof clientFor>) => client.stopRelayTask(ref),
      (client: ReturnType<typeof clientFor>) => client.updateRelayTask({ ...ref, fileIndex: 1 }),
      (client: ReturnType<typeof clientFor>) => client.deleteRelayTask(ref),
    ];
    for (const mutate of mutations) {
      for (const failure of [apiError(500, 'InternalError'), resetSocket, hang]) {
        const server = await scriptedServer([failure, json(200, { RequestId: 'r', TaskId: 'task-1' })]);
        const client = clientFor(server.endpoint, { overrides: { LIVEWATCH_API_TIMEOUT_MS: 200 } });
        const error = await rejectionOf(mutate(client));
        expect(error).toMatchObject({ outcomeUnknown: true, retryable: true });
        expect(error.message).toContain('outcome unknown');
        expect(server.seen).toHaveLength(1);
      }
    }
  });

  it('resends a Restart after throttling (the service certainly did not act), and surfaces a 4xx as a definite failure', async () => {
    const ref = { region: 'cn-shanghai', taskId: 'task-1' };
    const throttled = await scriptedServer([
      apiError(400, 'Throttling.User'),
      json(200, { RequestId: 'r', TaskId: 'task-1' }),
    ]);
    expect(await clientFor(throttled.endpoint).restartRelayTask(ref)).toEqual({ taskId: 'task-1' });
    expect(throttled.seen).toHaveLength(2);
    const missing = await scriptedServer([apiError(400, 'CodeTaskNotExist')]);
    expect(await rejectionOf(clientFor(missing.endpoint).restartRelayTask(ref))).toMatchObject({
      code: 'CodeTaskNotExist',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  it('reads one record job and one transcode job by id (GetLiveRecordJob GET, GetLiveTranscodeJob POST, JobId and RegionId in the query)', async () => {
    const server = await scriptedServer([
      json(200, { RequestId: 'r', RecordJob: { JobId: 'rec-1', Name: 'n', Status: 'paused' } }),
      json(200, { RequestId: 'r', Job: { JobId: 'tr-1', Status: 2 } }),
    ]);
    const client = clientFor(server.endpoint);
    expect(await client.getRecordJob({ region: 'cn-shanghai', jobId: 'rec-1' })).toMatchObject({
      jobId: 'rec-1',
      state: 'paused',
    });
    expect(await client.getTranscodeJob({ region: 'cn-shanghai', jobId: 'tr-1' })).toMatchObject({
      jobId: 'tr-1',
      status: 2,
    });
    expect(server.seen.map((r) => [r.method, r.headers['x-acs-action'], r.query.get('JobId')])).toEqual([
      ['GET', 'GetLiveRecordJob', 'rec-1'],
      ['POST', 'GetLiveTranscodeJob', 'tr-1'],
    ]);
    expect(server.seen[0]?.query.get('RegionId')).toBe('cn-shanghai');
  });

  it('surfaces CodeTaskNotExist from Describe without retrying', async () => {
    const server = await scriptedServer([apiError(400, 'CodeTaskNotExist')]);
    const error = await rejectionOf(
      clientFor(server.endpoint).describeRelayTask({ region: 'cn-shanghai', taskId: 'gone' }),
    );
    expect(error.code).toBe('CodeTaskNotExist');
    expect(server.seen).toHaveLength(1);
  });

  it('gives up on persistent 500s when the next wait would pass the deadline', async () => {
    const server = await scriptedServer([apiError(500, 'InternalError')]);
    const client = clientFor(server.endpoint, {
      overrides: { LIVEWATCH_API_DEADLINE_MS: 300 },
      random: () => 0.5,
    });
    const error = await rejectionOf(listAll(client));
    // The last attempt gets only what is left of the deadline: on a loaded machine it may be cut
    // off before the 500 arrives, and then the error it gives up with is that attempt's Timeout.
    expect(error).toMatchObject({ retryable: true });
    expect(['InternalError', 'Timeout']).toContain(error.code);
    expect(error.message).toMatch(/gave up after \d+ attempts/);
    expect(server.seen.length).toBeGreaterThan(1);
    expect(server.seen.length).toBeLessThan(20);
    expect(client.stats().failures).toBe(1);
  });

  it('reports a refused connection as a retryable network error once the deadline passes', async () => {
    const server = await scriptedServer([emptyList]);
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    const client = clientFor(server.endpoint, {
      overrides: { LIVEWATCH_API_DEADLINE_MS: 200 },
      random: () => 0.5,
    });
    const error = await rejectionOf(listAll(client));
    expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
    expect(client.stats().requests).toBeGreaterThan(1);
  });

  it('fails with DeadlineExceeded when the rate limiter cannot admit the call in time', async () => {
    const server = await scriptedServer([emptyList]);
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 60_000, clock });
    const client = clientFor(server.endpoint, {
      clock,
      limiter,
      overrides: { LIVEWATCH_API_DEADLINE_MS: 5_000 },
    });
    await listAll(client);
    const second = rejectionOf(listAll(client));
    await until(() => clock.pendingSleepers === 2);
    clock.advance(5_000);
    expect(await second).toMatchObject({ code: 'DeadlineExceeded', retryable: true });
    expect(client.stats()).toMatchObject({ requests: 1, failures: 1 });
    expect(server.seen).toHaveLength(1);
  });
});

describe('responses', () => {
  it('turns a non-zero RetCode on HTTP 200 into a non-retryable error', async () => {
    const server = await scriptedServer([json(200, { RequestId: 'r-9', RetCode: 2, Description: 'busy' })]);
    const error = await rejectionOf(
      clientFor(server.endpoint).stopRelayTask({ region: 'cn-shanghai', taskId: 't' }),
    );
    expect(error).toMatchObject({ code: 'RetCode.2', requestId: 'r-9', retryable: false });
    expect(server.seen).toHaveLength(1);
  });

  it('rejects a 200 body of the wrong shape as InvalidResponse, without retrying', async () => {
    const server = await scriptedServer([json(200, { RequestId: 'r', TaskList: 'nope' })]);
    const error = await rejectionOf(listAll(clientFor(server.endpoint)));
    expect(error).toMatchObject({ code: 'InvalidResponse', retryable: false });
    expect(server.seen).toHaveLength(1);
  });

  it('returns the TaskId that Restart reports, falling back to the request when absent', async () => {
    const server = await scriptedServer([json(200, { RequestId: 'r' })]);
    expect(
      await clientFor(server.endpoint).restartRelayTask({ region: 'cn-shanghai', taskId: 'same-id' }),
    ).toEqual({ taskId: 'same-id' });
  });
});
