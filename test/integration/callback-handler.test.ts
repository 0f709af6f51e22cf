import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCallbackUrl } from '../../lib/callback/callback-url.js';
import { resourceKey } from '../../lib/events/resources.js';
import { OLD_TOKEN, startCallbackHarness, TOKEN } from '../support/fc-callback-harness.js';
import { fixtureBuffer, fixtureJson } from '../support/fc-context.js';

type Harness = Awaited<ReturnType<typeof startCallbackHarness>>;
let h: Harness;

beforeEach(async () => {
  h = await startCallbackHarness();
});
afterEach(async () => {
  await h.close();
});

const relayKey = (id: string, region = 'cn-shanghai') => resourceKey({ kind: 'relay', region, id });
const sample = () => fixtureBuffer('callbacks/running-doc-sample.json');

async function expectNothingChanged(taskIds: string[]) {
  expect(h.fcRequests).toHaveLength(0);
  for (const id of taskIds) {
    for (const region of ['cn-shanghai', 'cn-beijing']) {
      expect(await h.store.getHistory(relayKey(id, region))).toEqual([]);
    }
  }
  expect(await h.store.snapshots.list()).toEqual([]);
}

describe('callback function: accepted callbacks', () => {
  it('accepts the documented sample, records it and hands [event] to the alert function', async () => {
    const response = await h.send({ body: sample() });

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ ok: true, duplicate: false });
    const invocations = h.invocations();
    expect(invocations).toHaveLength(1);
    const [batch] = invocations;
    expect(batch).toHaveLength(1);
    expect(batch?.[0]).toMatchObject({
      resource: { kind: 'relay', id: '08a1b00c-9c2f-4dfa-9f5d-878f2505abcd', region: 'cn-shanghai' },
      state: 'running',
      source: 'callback',
    });
    expect(h.fcRequests[0]?.headers['x-fc-async-task-id']).toBe(batch?.[0]?.key);
    expect(h.fcRequests[0]?.path).toBe('/2023-03-30/functions/livewatch-alert/invocations');
    const history = await h.store.getHistory(relayKey('08a1b00c-9c2f-4dfa-9f5d-878f2505abcd'));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ type: 'event', data: { source: 'callback', state: 'running' } });
  });

  it.each([
    ['running-correct-spelling-number-time', 'running'],
    ['recovering-status-string', 'recovering'],
    ['offline-retries-exhausted', 'offline'],
    ['offline-by-user', 'offline'],
    ['exit-over-end-time', 'exited'],
    ['extra-fields', 'running'],
    ['unknown-event-name', 'recovering'],
    ['no-event-time', 'offline'],
  ])('accepts the %s variant as %s', async (name, state) => {
    const response = await h.send({ body: fixtureBuffer(`callbacks/${name}.json`) });

    expect(response.statusCode).toBe(200);
    expect(h.invocations()[0]?.[0]?.state).toBe(state);
  });

  it('accepts a base64-encoded body, without a Content-Type', async () => {
    const response = await h.send({ body: sample(), base64: true, headers: { 'Content-Type': '' } });
    expect(response.statusCode).toBe(200);
    expect(h.invocations()).toHaveLength(1);
  });

  it('accepts the previous token during rotation', async () => {
    const response = await h.send({ path: `/callback/${OLD_TOKEN}`, body: sample() });
    expect(response.statusCode).toBe(200);
  });

  it('takes the region from ?region= on the callback URL', async () => {
    await h.send({ body: fixtureBuffer('callbacks/offline-by-user.json'), query: { region: 'cn-beijing' } });
    expect(h.invocations()[0]?.[0]?.resource.region).toBe('cn-beijing');
    expect(await h.store.getHistory(relayKey('task-stopped-1', 'cn-beijing'))).toHaveLength(1);
  });

  it('accepts callbacks under the path of a base URL that has one, as enrolled URLs carry it', async () => {
    const prefixed = await startCallbackHarness({
      env: { LIVEWATCH_CALLBACK_BASE_URL: 'https://gw.example.com/livewatch/' },
    });
    try {
      const url = new URL(buildCallbackUrl(prefixed.config, 'cn-shanghai') ?? '');
      expect(url.pathname).toBe(`/livewatch/callback/${TOKEN}`);
      expect((await prefixed.send({ path: url.pathname, body: sample() })).statusCode).toBe(200);
      expect((await prefixed.send({ path: '/livewatch/callback/wrong-token-0123456789' })).statusCode).toBe(
        401,
      );
      expect((await prefixed.send({ path: '/livewatch/healthz', method: 'GET' })).statusCode).toBe(200);
      expect(prefixed.invocations()).toHaveLength(1);
    } finally {
      await prefixed.close();
    }
  });

  it('logs an unrecognised event name but accepts it', async () => {
    await h.send({ body: fixtureBuffer('callbacks/unknown-event-name.json') });
    expect(h.logLines.some((line) => line.includes('unrecognised event name'))).toBe(true);
  });
});

describe('callback function: duplicates', () => {
  it('answers a duplicate 200 with no effect', async () => {
    const first = await h.send({ body: sample() });
    const second = await h.send({ body: sample() });

    expect(first.json).toEqual({ ok: true, duplicate: false });
    expect(second.statusCode).toBe(200);
    expect(second.json).toEqual({ ok: true, duplicate: true });
    expect(h.invocations()).toHaveLength(1);
    expect(await h.store.getHistory(relayKey('08a1b00c-9c2f-4dfa-9f5d-878f2505abcd'))).toHaveLength(1);
  });

  it('treats EventTime as a string and as a number as the same observation', async () => {
    const body = fixtureJson('callbacks/offline-by-user.json');
    await h.send({ body: JSON.stringify(body) });
    await h.send({ body: JSON.stringify({ ...body, EventTime: Number(body.EventTime), TaskStatus: 3 }) });
    expect(h.invocations()).toHaveLength(1);
  });

  it('has one effect for concurrent deliveries of the same callback', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => h.send({ body: sample() })));

    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(
      responses.filter((response) => (response.json as { duplicate: boolean }).duplicate === false),
    ).toHaveLength(1);
    expect(h.invocations()).toHaveLength(1);
  });
});

describe('callback function: hostile input', () => {
  const ids = ['08a1b00c-9c2f-4dfa-9f5d-878f2505abcd', 't', 'task-1'];

  it.each([
    ['no token', { path: '/callback' }],
    ['an empty token', { path: '/callback/' }],
    ['a wrong token', { path: '/callback/wrong-token-0123456789' }],
    ['a token with an extra segment', { path: `/callback/${TOKEN}/x` }],
    ['a wrong token and a bad body', { path: '/callback/nope', body: '{not json' }],
    ['a wrong token and a huge body', { path: '/callback/nope', body: 'x'.repeat(200_000) }],
    ['a wrong token and the wrong method', { path: '/callback/nope', method: 'GET' }],
  ])('answers 401 for %s and changes nothing', async (_name, init) => {
    const response = await h.send({ body: sample(), ...init });
    expect(response.statusCode).toBe(401);
    await expectNothingChanged(ids);
  });

  it('rejects every callback, and says why in the log, when no token is configured', async () => {
    const bare = await startCallbackHarness({ env: { LIVEWATCH_CALLBACK_TOKENS: '' } });
    try {
      expect((await bare.send({ body: sample() })).statusCode).toBe(401);
      expect(bare.logLines.some((line) => line.includes('LIVEWATCH_CALLBACK_TOKENS is empty'))).toBe(true);
      expect(bare.fcRequests).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });

  it.each(['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'])('answers 405 with Allow for %s', async (method) => {
    const response = await h.send({ method, body: sample() });
    expect(response.statusCode).toBe(405);
    expect(response.headers.Allow).toBe('POST');
    await expectNothingChanged(ids);
  });

  it('answers 413 for a body over LIVEWATCH_CALLBACK_MAX_BODY_BYTES', async () => {
    const body = JSON.stringify({
      ...fixtureJson('callbacks/offline-by-user.json'),
      pad: 'x'.repeat(70_000),
    });
    const response = await h.send({ body });
    expect(response.statusCode).toBe(413);
    await expectNothingChanged(['task-stopped-1']);
  });

  it.each([
    ['bad JSON', '{"Event":"LivePullToPushRunning",', ''],
    ['an empty body', '', ''],
    ['a JSON array', '[1,2]', ''],
    ['a missing TaskId', JSON.stringify({ Event: 'LivePullToPushRunning', TaskStatus: 1 }), 'TaskId'],
    ['a numeric TaskId', JSON.stringify({ Event: 'LivePullToPushRunning', TaskId: 7 }), 'TaskId'],
    // The API accepts [A-Za-z0-9_-] up to 55: these could never be verified (issue: looped for ever).
    [
      'a TaskId the API cannot accept (a.b)',
      JSON.stringify({ Event: 'LivePullToPushRunning', TaskId: 'a.b', TaskStatus: 3 }),
      'TaskId',
    ],
    [
      'a 56-character TaskId',
      JSON.stringify({ Event: 'LivePullToPushRunning', TaskId: 'a'.repeat(56), TaskStatus: 3 }),
      'TaskId',
    ],
    ['another Event', JSON.stringify({ Event: 'LiveStreamRecord', TaskId: 'task-1' }), 'Event'],
    [
      'TaskStatus 7',
      JSON.stringify({ Event: 'LivePullToPushRunning', TaskId: 'task-1', TaskStatus: 7 }),
      'TaskStatus',
    ],
    [
      'TaskInfo as a list',
      JSON.stringify({ Event: 'LivePullToPushRunning', TaskId: 'task-1', TaskInfo: [] }),
      'TaskInfo',
    ],
  ])('answers 400 for %s, saying what is wrong', async (_name, body, path) => {
    const response = await h.send({ body });
    expect(response.statusCode).toBe(400);
    const json = response.json as { error: string; issues: Array<{ path: string }> };
    expect(json.error).toMatch(/callback body/);
    expect(json.issues.map((issue) => issue.path)).toContain(path);
    await expectNothingChanged(ids);
  });

  it('answers 400 for an unknown ?region=', async () => {
    const response = await h.send({ body: sample(), query: { region: 'mars-1' } });
    expect(response.statusCode).toBe(400);
    await expectNothingChanged(ids);
  });

  it('answers 400 for a body flagged base64 that is not base64', async () => {
    const event = JSON.parse(
      (await import('../support/fc-context.js'))
        .httpEvent({ path: `/callback/${TOKEN}`, body: '{}' })
        .toString(),
    );
    event.isBase64Encoded = true;
    event.body = '{"Event": not base64}';
    const response = await h.handler(Buffer.from(JSON.stringify(event)));
    expect(response.statusCode).toBe(400);
    await expectNothingChanged(ids);
  });

  it('answers 400 for an event Buffer that is not an HTTP trigger event', async () => {
    expect((await h.handler(Buffer.from('garbage'))).statusCode).toBe(400);
    expect((await h.handler(Buffer.from('{}'))).statusCode).toBe(400);
  });

  it('answers 404 for other paths', async () => {
    expect((await h.send({ path: '/', body: sample() })).statusCode).toBe(404);
    expect((await h.send({ path: `/other/${TOKEN}`, body: sample() })).statusCode).toBe(404);
    await expectNothingChanged(ids);
  });
});

describe('callback function: outages lose nothing', () => {
  it('answers 503 while the store is down, then accepts the retry and invokes once', async () => {
    await h.closeStore();
    const during = await h.send({ body: sample() });
    expect(during.statusCode).toBe(503);
    expect(h.fcRequests).toHaveLength(0);

    await h.reopenStore();
    const retry = await h.send({ body: sample() });

    expect(retry.statusCode).toBe(200);
    expect(retry.json).toEqual({ ok: true, duplicate: false });
    expect(h.invocations()).toHaveLength(1);
  });

  it('answers 503 when the invoke fails, releases the claim, and invokes once after recovery', async () => {
    h.failInvokes(500);
    const during = await h.send({ body: sample() });
    expect(during.statusCode).toBe(503);
    expect(h.invocations()).toHaveLength(0);

    h.restoreInvokes();
    const retry = await h.send({ body: sample() });
    const again = await h.send({ body: sample() });

    expect(retry.json).toEqual({ ok: true, duplicate: false });
    expect(again.json).toEqual({ ok: true, duplicate: true });
    expect(h.invocations()).toHaveLength(1);
    // A failed invoke leaves no snapshot that would hide the transition from the poller.
    expect(
      (await h.store.snapshots.get(relayKey('08a1b00c-9c2f-4dfa-9f5d-878f2505abcd')))?.value.resource.state,
    ).toBe('running');
  });

  it('takes the snapshot back after a failed invoke: none stays none, an earlier one is restored', async () => {
    const offline = fixtureJson('callbacks/offline-retries-exhausted.json') as Record<string, unknown>;
    const key = relayKey('task-offline-1', 'cn-beijing');
    h.failInvokes(500);
    expect((await h.send({ body: JSON.stringify(offline) })).statusCode).toBe(503);
    expect(await h.store.snapshots.get(key)).toBeUndefined();

    h.restoreInvokes();
    expect((await h.send({ body: JSON.stringify(offline) })).statusCode).toBe(200);
    const before = await h.store.snapshots.get(key);
    h.failInvokes(500);
    const running = { ...offline, EventTime: '1725501600', TaskStatus: 1, TaskInvalidReason: undefined };
    expect((await h.send({ body: JSON.stringify(running) })).statusCode).toBe(503);

    const after = await h.store.snapshots.get(key);
    expect(after?.value).toEqual(before?.value);
    expect(after?.value.resource.state).toBe('offline');
  });

  it('answers 503 when the alert function is throttled (429), so the sender retries', async () => {
    h.failInvokes(429);
    expect((await h.send({ body: sample() })).statusCode).toBe(503);
  });
});

describe('callback function: snapshots and ordering', () => {
  const offline = () => fixtureJson('callbacks/offline-retries-exhausted.json');
  const key = relayKey('task-offline-1', 'cn-beijing');

  it('creates the snapshot from the first event', async () => {
    await h.send({ body: JSON.stringify(offline()) });
    const snapshot = await h.store.snapshots.get(key);
    expect(snapshot?.value).toMatchObject({
      observedAt: 1725501500_000,
      stateSince: 1725501500_000,
      resource: {
        kind: 'relay',
        taskId: 'task-offline-1',
        state: 'offline',
        status: 3,
        invalidReason: 'RetryTimesOffline',
      },
    });
  });

  it('lets a newer event update the snapshot, merging the known fields and clearing stale reasons', async () => {
    await h.send({ body: JSON.stringify(offline()) });
    const running = {
      ...offline(),
      EventTime: '1725501600',
      TaskStatus: 1,
      TaskInvalidReason: undefined,
      TaskInfo: undefined,
    };
    // Without TaskInfo the region comes from the URL, as enrolled URLs carry it.
    await h.send({ body: JSON.stringify(running), query: { region: 'cn-beijing' } });

    const snapshot = await h.store.snapshots.get(key);
    expect(snapshot?.value.observedAt).toBe(1725501600_000);
    expect(snapshot?.value.resource).toMatchObject({
      state: 'running',
      status: 1,
      dstUrl: 'rtmp://dst.example.com/live/s',
    });
    expect(snapshot?.value.resource).not.toHaveProperty('invalidReason');
    expect(h.invocations()[1]?.[0]).toMatchObject({ state: 'running', previousState: 'offline' });
  });

  it('never lets an older event overwrite newer state, but still records and forwards it to the alert function', async () => {
    const newer = { ...offline(), EventTime: '1725501600', TaskStatus: 1, TaskInvalidReason: undefined };
    await h.send({ body: JSON.stringify(newer) });
    const response = await h.send({ body: JSON.stringify(offline()) });

    expect(response.json).toEqual({ ok: true, duplicate: false });
    const snapshot = await h.store.snapshots.get(key);
    expect(snapshot?.value.resource.state).toBe('running');
    expect(snapshot?.version).toBe(1);
    expect(await h.store.getHistory(key)).toHaveLength(2);
    expect(h.invocations()).toHaveLength(2);
    expect(h.invocations()[1]?.[0]).toMatchObject({ state: 'offline' });
    expect(h.invocations()[1]?.[0]).not.toHaveProperty('previousState');
  });

  it('leaves the snapshot alone for a status-less hint', async () => {
    await h.send({
      body: JSON.stringify({ Event: 'LivePullToPushRunning', EventTime: '1725501246', TaskId: 'hint-1' }),
    });
    expect(await h.store.snapshots.get(relayKey('hint-1'))).toBeUndefined();
    expect(h.invocations()).toHaveLength(1);
  });
});

describe('callback function: forwarding taken-over tasks', () => {
  async function startReceiver(status: number) {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(status);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/owner/hook`;
    return { bodies, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('posts the raw body to the original receiver', async () => {
    const receiver = await startReceiver(200);
    await h.store.forwards.put(relayKey('task-stopped-1'), { originalUrl: receiver.url, since: 0 }, null);
    const body = fixtureBuffer('callbacks/offline-by-user.json');

    const response = await h.send({ body });

    expect(response.statusCode).toBe(200);
    expect(receiver.bodies).toEqual([body.toString('utf8')]);
    expect(h.invocations()).toHaveLength(1);
    await receiver.close();
  });

  it('still accepts the callback when the original receiver fails or is gone', async () => {
    const failing = await startReceiver(500);
    await h.store.forwards.put(relayKey('task-stopped-1'), { originalUrl: failing.url, since: 0 }, null);
    expect((await h.send({ body: fixtureBuffer('callbacks/offline-by-user.json') })).statusCode).toBe(200);
    await failing.close();

    await h.store.forwards.put(relayKey('task-recovering-1'), { originalUrl: failing.url, since: 0 }, null);
    expect(
      (await h.send({ body: fixtureBuffer('callbacks/recovering-status-string.json') })).statusCode,
    ).toBe(200);
    expect(h.invocations()).toHaveLength(2);
    expect(h.logLines.some((line) => line.includes('forwarding a callback'))).toBe(true);
  });

  it("logs only the host of the owner's URL when forwarding fails, never its secret", async () => {
    const failing = await startReceiver(500);
    const originalUrl = `${failing.url}?secret=owner-secret-value`;
    await h.store.forwards.put(relayKey('task-stopped-1'), { originalUrl, since: 0 }, null);
    expect((await h.send({ body: fixtureBuffer('callbacks/offline-by-user.json') })).statusCode).toBe(200);
    await failing.close();

    const lines = h.logLines.filter((line) => line.includes('forwarding a callback'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(new URL(failing.url).host);
    expect(h.logLines.join('\n')).not.toContain('owner-secret-value');
  });

  it('does not forward duplicates', async () => {
    const receiver = await startReceiver(200);
    await h.store.forwards.put(relayKey('task-stopped-1'), { originalUrl: receiver.url, since: 0 }, null);
    await h.send({ body: fixtureBuffer('callbacks/offline-by-user.json') });
    await h.send({ body: fixtureBuffer('callbacks/offline-by-user.json') });
    expect(receiver.bodies).toHaveLength(1);
    await receiver.close();
  });
});

describe('callback function: /healthz', () => {
  it('answers 200 with the version while the store is up', async () => {
    const response = await h.send({ method: 'GET', path: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({
      ok: true,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      store: 'ok',
    });
  });

  it('answers 503 store down when the store is down', async () => {
    await h.closeStore();
    const response = await h.send({ method: 'GET', path: '/healthz' });
    expect(response.statusCode).toBe(503);
    expect(response.json).toMatchObject({ ok: false, store: 'down' });
    await h.reopenStore();
  });

  it('answers 405 for POST', async () => {
    expect((await h.send({ method: 'POST', path: '/healthz' })).statusCode).toBe(405);
  });
});
