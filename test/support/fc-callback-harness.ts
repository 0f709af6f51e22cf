import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ForwardCallback } from '../../lib/callback/forward-callback.js';
import { handleCallbackRequest } from '../../lib/callback/handle-callback-request.js';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import type { TaskEvent } from '../../lib/events/task-event.js';
import { createFcInvoker } from '../../lib/fc/create-fc-invoker.js';
import type { FcHttpResponse } from '../../lib/fc/encode-http-response.js';
import { serveHttp } from '../../lib/fc/serve-http.js';
import { createLogger } from '../../lib/log.js';
import type { Invoker } from '../../lib/ports/invoker.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { createLocalInvoker } from '../../local/host/create-local-invoker.js';
import { type ReceivedInvocation, startFcApiServer } from './fc-api-server.js';
import { fakeFcContext, type HttpEventInit, httpEvent } from './fc-context.js';

export const TOKEN = 'cb-token-current-0123456789';
export const OLD_TOKEN = 'cb-token-previous-abcdefghij';
const SECRET = 'fc-harness-secret-000111';

/**
 * The callback function's pieces wired as the function wires them (serveHttp + handleCallbackRequest),
 * on real parts: a SQLite store in a temp dir, the real FC invoker (@alicloud/fc2) posting to a loopback
 * stand-in of the FC API that can be told to fail, and a ManualClock.
 */
export async function startCallbackHarness(
  options: {
    env?: Record<string, string>;
    forward?: ForwardCallback;
    /** Deliver through the local host's in-process invoker (fast, for the fuzz) instead of the FC API. */
    localInvoker?: boolean;
    /** A store URL (e.g. a test redis-server); default a SQLite file in a temp dir. */
    storeUrl?: string;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'lw-callback-'));
  const storeUrl = options.storeUrl ?? `sqlite:${join(dir, 'state.db')}`;
  let store: Store = await createStore(storeUrl);
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', sink: (line) => logLines.push(line) });
  let invokeStatus = 202;
  let duringInvoke: (() => Promise<void>) | undefined;
  const answer = (invocation: ReceivedInvocation, res: ServerResponse): void => {
    if (invokeStatus >= 300) {
      res.writeHead(invokeStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ErrorCode: 'InternalError', ErrorMessage: 'injected' }));
    } else {
      res.writeHead(invokeStatus, { 'x-fc-request-id': 'r' });
      res.end();
    }
    invocation.status = res.statusCode;
  };
  const fcApi = await startFcApiServer(SECRET, (invocation, res) => {
    // E.g. the store failing while the invocation is in flight, before FC answers it.
    if (duringInvoke === undefined) answer(invocation, res);
    else void duringInvoke().then(() => answer(invocation, res));
  });
  const config = loadConfig({
    LIVEWATCH_CALLBACK_TOKENS: `${TOKEN},${OLD_TOKEN}`,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing',
    LIVEWATCH_CALLBACK_BASE_URL: 'https://lw.example.com',
    ...options.env,
  });
  const delivered: TaskEvent[][] = [];
  const local = createLocalInvoker({
    functions: {
      [config.LIVEWATCH_ALERT_FUNCTION]: async (event) => {
        delivered.push(JSON.parse(event.toString('utf8')) as TaskEvent[]);
      },
    },
    contextFor: (name) => fakeFcContext({ function: { name } }),
    log,
  });
  const invoker: Invoker = options.localInvoker
    ? local
    : createFcInvoker({
        accountId: '1234567890123456',
        region: 'cn-shanghai',
        credentials: { accessKeyId: 'LTAI-harness', accessKeySecret: SECRET },
        endpoint: fcApi.url,
        timeoutMs: 2_000,
      });

  const handler = (event: Buffer): Promise<FcHttpResponse> =>
    serveHttp(
      event,
      (request) =>
        handleCallbackRequest(
          { config, store, invoker, clock, log, ...(options.forward ? { forward: options.forward } : {}) },
          request,
        ),
      log,
    );

  const send = async (init: Partial<HttpEventInit> & { body?: string | Buffer }) => {
    const response = await handler(httpEvent({ path: `/callback/${TOKEN}`, ...init }));
    return { ...response, json: safeJson(response.body) };
  };

  return {
    config,
    clock,
    logLines,
    get store() {
      return store;
    },
    handler,
    send,
    /** Submissions accepted by the local invoker (only with `localInvoker`), in order. */
    localInvocations: local.invocations,
    /** Waits for the local invoker's deliveries. */
    drain: () => local.drain(),
    /** Payloads delivered to the alert function by the local invoker. */
    delivered,
    /** Alert invocations FC accepted (202), in order, parsed. */
    invocations(): TaskEvent[][] {
      return fcApi.received
        .filter((request) => request.status < 300)
        .map((request) => JSON.parse(request.body) as TaskEvent[]);
    },
    /** Every request the FC API saw (accepted or failed). */
    fcRequests: fcApi.received,
    failInvokes(status = 500) {
      invokeStatus = status;
    },
    restoreInvokes() {
      invokeStatus = 202;
    },
    /** Runs `action` while each invocation is in flight, before the FC API answers it. */
    duringInvokes(action: (() => Promise<void>) | undefined) {
      duringInvoke = action;
    },
    async closeStore() {
      await store.close();
    },
    async reopenStore() {
      store = await createStore(storeUrl);
    },
    async close() {
      local.close();
      await store.close();
      await fcApi.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
