import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { InvokeError } from '../../lib/errors.js';
import { decodeHttpEvent } from '../../lib/fc/decode-http-event.js';
import { decodeTimerEvent } from '../../lib/fc/decode-timer-event.js';
import type { FcContext } from '../../lib/fc/fc-context.js';
import { silentLogger } from '../../lib/log.js';
import { type FcHandler, type LocalHost, startLocalHost } from '../../local/host/index.js';

let host: LocalHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const okResponse: FcHandler = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  isBase64Encoded: false,
  body: '{"ok":true}',
});

async function start(handlers: Parameters<typeof startLocalHost>[0]['handlers'], extra = {}) {
  host = await startLocalHost({
    handlers,
    pollIntervalMs: 0,
    tickIntervalMs: 0,
    log: silentLogger,
    ...extra,
  });
  return host;
}

describe('local FC host: HTTP trigger', () => {
  it('hands the callback handler a documented HTTP-trigger event and a fake context', async () => {
    const seen: Array<{ event: Record<string, unknown>; context: FcContext }> = [];
    const h = await start({
      callback: async (event, context) => {
        seen.push({ event: JSON.parse(event.toString('utf8')) as Record<string, unknown>, context });
        return okResponse(event, context);
      },
    });

    const response = await fetch(`${h.url}/callback/abc?region=cn-beijing&x=1&x=2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'v' },
      body: '{"a":1}',
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    const event: Record<string, unknown> = seen[0]?.event ?? {};
    const context = seen[0]?.context;
    expect(event).toMatchObject({
      version: 'v1',
      rawPath: '/callback/abc',
      body: '{"a":1}',
      isBase64Encoded: false,
      queryParameters: { region: 'cn-beijing', x: '1,2' },
      requestContext: { http: { method: 'POST', path: '/callback/abc', protocol: 'HTTP/1.1' } },
    });
    const headers = event.headers as Record<string, string>;
    // Capitalised as the sender wrote them, like a real FC event.
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers['X-Custom-Header']).toBe('v');
    const requestContext = event.requestContext as Record<string, unknown>;
    expect(typeof requestContext.timeEpoch).toBe('string');
    expect(context).toMatchObject({ function: { name: 'livewatch-callback' }, region: 'cn-shanghai' });
    expect(context?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('produces events lib/fc decodes, base64-encoding binary bodies', async () => {
    const bodies: Buffer[] = [];
    const h = await start({
      callback: async (event, context) => {
        bodies.push(decodeHttpEvent(event).body);
        return okResponse(event, context);
      },
    });
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);

    await fetch(`${h.url}/x`, { method: 'POST', body: binary });
    await fetch(`${h.url}/x`, { method: 'POST', body: 'héllo' });

    expect(bodies[0]?.equals(binary)).toBe(true);
    expect(bodies[1]?.toString('utf8')).toBe('héllo');
  });

  it('writes the handler response (status, headers, base64 body) back', async () => {
    const h = await start({
      callback: async () => ({
        statusCode: 418,
        headers: { 'X-Reply': 'yes' },
        isBase64Encoded: true,
        body: Buffer.from('teapot').toString('base64'),
      }),
    });
    const response = await fetch(`${h.url}/`);
    expect(response.status).toBe(418);
    expect(response.headers.get('x-reply')).toBe('yes');
    expect(await response.text()).toBe('teapot');
  });

  it('answers 502 with X-Fc-Error-Type when the handler throws', async () => {
    const h = await start({
      callback: async () => {
        throw new Error('boom');
      },
    });
    const response = await fetch(`${h.url}/`);
    expect(response.status).toBe(502);
    expect(response.headers.get('x-fc-error-type')).toBe('UnhandledInvocationError');
  });

  it('answers 413 itself for a request over its size limit, without calling the handler', async () => {
    let calls = 0;
    const h = await start(
      {
        callback: async (event, context) => {
          calls += 1;
          return okResponse(event, context);
        },
      },
      { maxRequestBytes: 1_000 },
    );
    const response = await fetch(`${h.url}/`, { method: 'POST', body: 'x'.repeat(5_000) });
    expect(response.status).toBe(413);
    expect(calls).toBe(0);
  });
});

describe('local FC host: async invoker', () => {
  it('delivers asynchronously, never inside the caller', async () => {
    const delivered: string[] = [];
    const h = await start({
      callback: okResponse,
      alert: async (event) => {
        delivered.push(event.toString('utf8'));
      },
    });

    await h.invoker.invokeAsync('livewatch-alert', '[1]', 'ev_1');
    expect(delivered).toEqual([]);
    await h.drain();
    expect(delivered).toEqual(['[1]']);
    expect(h.invocations[0]).toMatchObject({ taskId: 'ev_1', status: 'succeeded', attempts: 1 });
  });

  it('accepts a reused task id without running it again (like FC 409)', async () => {
    let runs = 0;
    const h = await start({
      callback: okResponse,
      alert: async () => {
        runs += 1;
      },
    });
    await h.invoker.invokeAsync('livewatch-alert', '[1]', 'ev_same');
    await h.invoker.invokeAsync('livewatch-alert', '[1]', 'ev_same');
    await h.drain();
    await h.invoker.invokeAsync('livewatch-alert', '[1]', 'ev_same');
    await h.drain();
    expect(runs).toBe(1);
    expect(h.invocations).toHaveLength(1);
  });

  it('retries a failing invocation like FC: doubling backoff from 0.5 s, up to 3 retries, then drops it', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const h = await start(
      {
        callback: okResponse,
        alert: async () => {
          runs += 1;
          if (runs < 3) throw new Error('transient');
        },
      },
      { clock },
    );
    /** The alert function's runs once `ms` passed and the host ran what was due. */
    const runsAfter = async (ms: number) => {
      clock.advance(ms);
      await h.drain();
      return runs;
    };
    await h.invoker.invokeAsync('livewatch-alert', '[]', 'ev_flaky');
    // Failed once: waits out its backoff, not run again before.
    expect(await runsAfter(0)).toBe(1);
    expect(h.invocations[0]).toMatchObject({ status: 'waiting', retryAt: clock.now() + 500 });
    expect(await runsAfter(499)).toBe(1);
    expect(await runsAfter(1)).toBe(2);
    expect(h.invocations[0]).toMatchObject({ status: 'waiting', retryAt: clock.now() + 1_000 });
    expect(await runsAfter(1_000)).toBe(3);
    expect(h.invocations[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
    await h.close();

    let hopeless = 0;
    const h2 = await start(
      {
        callback: okResponse,
        alert: async () => {
          hopeless += 1;
          throw new Error('always');
        },
      },
      { clock },
    );
    await h2.invoker.invokeAsync('livewatch-alert', '[]', 'ev_bad');
    for (const delay of [500, 1_000, 2_000]) {
      await h2.drain();
      clock.advance(delay);
    }
    await h2.drain();
    expect(hopeless).toBe(4);
    expect(h2.invocations[0]).toMatchObject({ status: 'failed', attempts: 4, error: 'Error: always' });
  });

  it('refuses an unknown function and an oversized payload with InvokeError', async () => {
    const h = await start({ callback: okResponse, alert: async () => {} });
    await expect(h.invoker.invokeAsync('nope', '[]', 'ev_1')).rejects.toBeInstanceOf(InvokeError);
    await expect(
      h.invoker.invokeAsync('livewatch-alert', 'x'.repeat(200_000), 'ev_2'),
    ).rejects.toBeInstanceOf(InvokeError);
    expect(h.invocations).toHaveLength(0);
  });

  it('routes to the alert function named by LIVEWATCH_ALERT_FUNCTION', async () => {
    const runs: string[] = [];
    const h = await start(
      {
        callback: okResponse,
        alert: async (_event, context) => {
          runs.push(context.function?.name ?? '');
        },
      },
      { runtime: { config: { LIVEWATCH_ALERT_FUNCTION: 'my-alert' } } },
    );
    await h.invoker.invokeAsync('my-alert', '[]', 'ev_1');
    await h.drain();
    expect(runs).toEqual(['my-alert']);
  });
});

describe('local FC host: timers', () => {
  it('fires the poller and the alert tick with FC timer events on the injected clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const polls: ReturnType<typeof decodeTimerEvent>[] = [];
    const ticks: ReturnType<typeof decodeTimerEvent>[] = [];
    const h = await start(
      {
        callback: okResponse,
        poller: async (event) => {
          polls.push(decodeTimerEvent(event));
        },
        alert: async (event) => {
          ticks.push(decodeTimerEvent(event));
        },
      },
      { clock, pollIntervalMs: 60_000, tickIntervalMs: 30_000 },
    );

    clock.advance(30_000);
    await h.drain();
    expect(polls).toHaveLength(0);
    expect(ticks).toHaveLength(1);

    clock.advance(30_000);
    await h.drain();
    expect(polls).toEqual([
      { triggerTime: '2026-01-01T00:01:00Z', triggerName: 'every-minute', payload: { source: 'timer' } },
    ]);
    expect(ticks).toHaveLength(2);
    expect(ticks[1]).toMatchObject({ triggerName: 'tick', payload: { source: 'tick' } });
  });

  it('runs a timer on demand and keeps going after a failing run', async () => {
    let runs = 0;
    const h = await start({
      callback: okResponse,
      poller: async () => {
        runs += 1;
        throw new Error('sweep failed');
      },
    });
    await h.runPoller();
    await h.runPoller();
    expect(runs).toBe(2);
  });
});
