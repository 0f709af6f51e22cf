import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../lib/clock.js';
import type { Config } from '../../lib/config/config.js';
import { describeError } from '../../lib/errors.js';
import type { FcContext } from '../../lib/fc/fc-context.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import type { Invoker } from '../../lib/ports/invoker.js';
import { createLocalInvoker, type LocalInvocation } from './create-local-invoker.js';
import type { FcHandler } from './fc-handler.js';

export type HostSettings = Pick<
  Config,
  | 'LIVEWATCH_ALERT_FUNCTION'
  | 'LIVEWATCH_LIVE_REGIONS'
  | 'LIVEWATCH_ACCOUNT_ID'
  | 'LIVEWATCH_POLL_INTERVAL_S'
  | 'LIVEWATCH_TICK_INTERVAL_S'
>;

export interface LocalHostOptions {
  /** Settings the host reads (function names, region and account for the fake context, timer periods). */
  readonly runtime?: { readonly config?: Partial<HostSettings>; readonly log?: Logger };
  /** Loopback port; 0 (default) picks a free one. */
  readonly port?: number;
  /** The function modules' `handler` exports. The host knows no livewatch logic. */
  readonly handlers: {
    readonly callback: FcHandler;
    readonly poller?: FcHandler;
    readonly alert?: FcHandler;
  };
  /** Poller timer period; default LIVEWATCH_POLL_INTERVAL_S. 0 disables the timer. */
  readonly pollIntervalMs?: number;
  /** Alert tick period; default LIVEWATCH_TICK_INTERVAL_S. 0 disables the timer. */
  readonly tickIntervalMs?: number;
  /** Drives the timers (a ManualClock in tests) and the events' times. */
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Larger request bodies are answered 413 by the host itself (FC's sync payload limit is 32 MB). */
  readonly maxRequestBytes?: number;
  /** Parallel alert invocations; default 1. */
  readonly alertConcurrency?: number;
}

export interface LocalHost {
  /** `http://127.0.0.1:PORT`: the HTTP trigger of the callback function. */
  readonly url: string;
  readonly port: number;
  /** FC async invocation in-process: hand this to the runtime the functions use. */
  readonly invoker: Invoker;
  /** Log of async deliveries (alert invocations), in submission order. */
  readonly invocations: readonly LocalInvocation[];
  /** Resolves once no async invocation or timer run is queued or in flight. */
  drain(): Promise<void>;
  /** Fires the poller's / the alert tick's timer trigger now and waits for the run to end. */
  runPoller(): Promise<void>;
  runTick(): Promise<void>;
  /** Stops the timers, waits for a timer run in flight, then stops async delivery and the server. */
  close(): Promise<void>;
}

const FUNCTION_NAMES = { callback: 'livewatch-callback', poller: 'livewatch-poller' } as const;
/** Timer triggers as s.yaml configures them. */
const POLLER_TRIGGER = { name: 'every-minute', payload: '{"source":"timer"}' };
const TICK_TRIGGER = { name: 'tick', payload: '{"source":"tick"}' };

/**
 * Runs livewatch's three functions on one machine, the way FC runs them: a loopback HTTP server turns
 * each request into an FC 3.0 HTTP-trigger event Buffer for the callback handler (headers with their
 * original capitalisation, repeated values comma-joined, binary bodies base64) and encodes the handler's
 * answer; timers fire the poller and the alert tick with FC timer events; an in-process async invoker
 * delivers payloads to the alert handler (deduped by task id, retried up to 3 times).
 * @example
 * const host = await startLocalHost({ handlers: { callback, poller, alert }, clock, log });
 * // … POST `${host.url}/callback/<token>` …
 * await host.drain();
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const config = options.runtime?.config ?? {};
  const log = options.log ?? options.runtime?.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const alertName = config.LIVEWATCH_ALERT_FUNCTION ?? 'livewatch-alert';
  const region = config.LIVEWATCH_LIVE_REGIONS?.[0] ?? 'cn-shanghai';
  const accountId = config.LIVEWATCH_ACCOUNT_ID ?? 'local';
  const maxRequestBytes = options.maxRequestBytes ?? 32 * 1024 * 1024;

  const contextFor = (functionName: string): FcContext => ({
    requestId: randomUUID(),
    // No role locally: the functions fall back to the settings' AccessKey.
    credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
    function: { name: functionName, handler: 'index.handler', memory: 256, timeout: 60 },
    region,
    accountId,
  });

  const functions: Record<string, FcHandler> = {};
  if (options.handlers.alert) functions[alertName] = options.handlers.alert;
  if (options.handlers.poller) functions[FUNCTION_NAMES.poller] = options.handlers.poller;
  const invoker = createLocalInvoker({
    functions,
    contextFor,
    log,
    clock,
    ...(options.alertConcurrency === undefined ? {} : { concurrency: options.alertConcurrency }),
  });

  const server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      log.error('local host failed to answer a request', { error: describeError(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, maxRequestBytes);
    if (body === undefined) {
      res.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ error: 'request entity too large' }));
      return;
    }
    const event = toHttpTriggerEvent(req, body, clock.now(), accountId);
    let result: unknown;
    try {
      result = await options.handlers.callback(event, contextFor(FUNCTION_NAMES.callback));
    } catch (error) {
      // What FC does with a thrown handler error on an HTTP trigger.
      log.error('callback handler threw', { error: describeError(error) });
      res.writeHead(502, {
        'Content-Type': 'application/json',
        'X-Fc-Error-Type': 'UnhandledInvocationError',
      });
      res.end(JSON.stringify({ errorMessage: describeError(error) }));
      return;
    }
    writeResult(res, result);
  };

  // ---- timers -----------------------------------------------------------------------------------
  const abort = new AbortController();
  let timerRuns = 0;
  let timerWaiters: Array<() => void> = [];
  const fireTimer = async (handler: FcHandler, functionName: string, trigger: typeof TICK_TRIGGER) => {
    timerRuns += 1;
    try {
      const event = {
        triggerTime: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        triggerName: trigger.name,
        payload: trigger.payload,
      };
      await handler(Buffer.from(JSON.stringify(event)), contextFor(functionName));
    } catch (error) {
      log.error('timer-triggered run failed', { function: functionName, error: describeError(error) });
    } finally {
      timerRuns -= 1;
      if (timerRuns === 0) {
        const done = timerWaiters;
        timerWaiters = [];
        for (const resolve of done) resolve();
      }
    }
  };
  const loop = async (handler: FcHandler, functionName: string, trigger: typeof TICK_TRIGGER, ms: number) => {
    while (!abort.signal.aborted) {
      try {
        await clock.sleep(ms, abort.signal);
      } catch {
        // Aborted by close(): the timer stops.
        return;
      }
      await fireTimer(handler, functionName, trigger);
    }
  };
  const pollMs = options.pollIntervalMs ?? (config.LIVEWATCH_POLL_INTERVAL_S ?? 60) * 1000;
  const tickMs = options.tickIntervalMs ?? (config.LIVEWATCH_TICK_INTERVAL_S ?? 60) * 1000;
  const { poller, alert } = options.handlers;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  if (poller && pollMs > 0) void loop(poller, FUNCTION_NAMES.poller, POLLER_TRIGGER, pollMs);
  if (alert && tickMs > 0) void loop(alert, alertName, TICK_TRIGGER, tickMs);
  log.info('local FC host listening', { url: `http://127.0.0.1:${port}` });

  const drain = async (): Promise<void> => {
    // Let a timer woken by a clock advance start its run before looking (its continuation is queued).
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Timer runs may queue invocations and deliveries may (in principle) start timers: loop until both are idle.
    for (;;) {
      if (timerRuns > 0) await new Promise<void>((resolve) => timerWaiters.push(resolve));
      await invoker.drain();
      if (timerRuns === 0) return;
    }
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    invoker,
    invocations: invoker.invocations,
    drain,
    runPoller: () => (poller ? fireTimer(poller, FUNCTION_NAMES.poller, POLLER_TRIGGER) : Promise.resolve()),
    runTick: () => (alert ? fireTimer(alert, alertName, TICK_TRIGGER) : Promise.resolve()),
    async close(): Promise<void> {
      abort.abort(new Error('local host closed'));
      // Let a sweep or tick in flight finish: cut off, it would keep its store lease (40 s + margin)
      // and the next `npm start` on the same store would skip its sweeps until the lease ran out.
      if (timerRuns > 0) await new Promise<void>((resolve) => timerWaiters.push(resolve));
      invoker.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** Reads the body; undefined when it exceeds `limit` (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The FC 3.0 HTTP-trigger event for a request, in the documented shape (https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function). */
function toHttpTriggerEvent(req: IncomingMessage, body: Buffer, now: number, accountId: string): Buffer {
  const url = req.url ?? '/';
  const queryIndex = url.indexOf('?');
  const rawPath = queryIndex === -1 ? url : url.slice(0, queryIndex);
  const headers: Record<string, string> = {};
  // rawHeaders keeps the sender's capitalisation, as real FC events do; repeats are comma-joined.
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string; // i + 1 < length, so both entries exist
    const value = req.rawHeaders[i + 1] as string;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const queryParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(queryIndex === -1 ? '' : url.slice(queryIndex + 1))) {
    queryParameters[name] = name in queryParameters ? `${queryParameters[name]},${value}` : value;
  }
  let text: string | undefined;
  try {
    text = utf8.decode(body);
  } catch {
    // Not UTF-8: FC sends such bodies base64-encoded.
    text = undefined;
  }
  let decodedPath = rawPath;
  try {
    decodedPath = decodeURIComponent(rawPath);
  } catch {
    // A malformed %-escape: FC would still pass the raw path; keep it.
  }
  const host = req.headers.host ?? '127.0.0.1';
  const event = {
    version: 'v1',
    rawPath,
    body: text ?? body.toString('base64'),
    isBase64Encoded: text === undefined,
    headers,
    queryParameters,
    requestContext: {
      accountId,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method ?? 'GET',
        path: decodedPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(now),
    },
  };
  return Buffer.from(JSON.stringify(event));
}

interface FcResultShape {
  statusCode: number;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  body?: string;
}

function isResultShape(value: unknown): value is FcResultShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  );
}

/** Encodes a handler's return value the way FC does: the full shape, a Buffer/string as is, else JSON. */
function writeResult(res: ServerResponse, result: unknown): void {
  if (isResultShape(result)) {
    const body = result.body ?? '';
    res.writeHead(result.statusCode, result.headers ?? {});
    res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
    return;
  }
  if (Buffer.isBuffer(result)) {
    res.writeHead(200);
    res.end(result);
    return;
  }
  if (typeof result === 'string') {
    res.writeHead(200);
    res.end(result);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(result ?? null));
}
