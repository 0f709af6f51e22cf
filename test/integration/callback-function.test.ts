import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/callback/index.js';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { silentLogger } from '../../lib/log.js';
import { createRuntime, installRuntime, type Runtime } from '../../lib/runtime.js';
import { createStore } from '../../lib/store/create-store.js';
import { createLocalInvoker, type LocalInvoker } from '../../local/host/create-local-invoker.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { fakeFcContext, fixtureBuffer } from '../support/fc-context.js';

/** The token in the fixture events' rawPath. */
const FIXTURE_TOKEN = 'test-token-0123456789abcdef';

const cleanup = cleanupAfterEach();
let runtime: Runtime;
let invoker: LocalInvoker;
let delivered: string[];

beforeEach(async () => {
  const dir = cleanup.tempDir('lw-callback-fn-');
  const config = loadConfig({
    LIVEWATCH_CALLBACK_TOKENS: FIXTURE_TOKEN,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing',
  });
  delivered = [];
  invoker = cleanup.close(
    createLocalInvoker({
      functions: {
        'livewatch-alert': async (event) => {
          delivered.push(event.toString('utf8'));
        },
      },
      contextFor: (name) => fakeFcContext({ function: { name } }),
      log: silentLogger,
    }),
  );
  runtime = cleanup.close(
    await createRuntime({
      config,
      clock: new ManualClock(),
      log: silentLogger,
      store: await createStore(`sqlite:${join(dir, 'state.db')}`),
      invoker,
    }),
  );
  installRuntime(runtime);
  cleanup.close({ close: () => installRuntime(undefined) });
});

describe('functions/callback handler (FC glue, in-process)', () => {
  it('accepts a real-shaped event with capitalised headers and answers the full FC response shape', async () => {
    const response = await handler(fixtureBuffer('fc/http-trigger-capitalised.json'), fakeFcContext());

    expect(response).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      isBase64Encoded: false,
      body: '{"ok":true,"duplicate":false}',
    });
    await invoker.drain();
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0] ?? '[]')[0]).toMatchObject({
      resource: { id: 'task-cap', region: 'cn-beijing' },
      state: 'running',
    });
  });

  it('accepts a base64-encoded body', async () => {
    const response = await handler(fixtureBuffer('fc/http-trigger-base64.json'), fakeFcContext());
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 for the documented sample event (GET /example)', async () => {
    const response = await handler(fixtureBuffer('fc/http-trigger.json'), fakeFcContext());
    expect(response.statusCode).toBe(404);
  });

  it('answers 400 for an event that is not an HTTP trigger event', async () => {
    const response = await handler(fixtureBuffer('fc/timer-trigger.json'), fakeFcContext());
    expect(response.statusCode).toBe(400);
  });
});

describe('functions/callback handler: cold start failure', () => {
  it('answers 500 without secrets when the settings are invalid', async () => {
    installRuntime(undefined);
    const saved = process.env.LIVEWATCH_CALLBACK_TOKENS;
    process.env.LIVEWATCH_CALLBACK_TOKENS = 'short';
    try {
      const response = await handler(fixtureBuffer('fc/http-trigger-capitalised.json'), fakeFcContext());
      expect(response.statusCode).toBe(500);
      expect(response.body).toBe('{"error":"internal error"}');
    } finally {
      if (saved === undefined) delete process.env.LIVEWATCH_CALLBACK_TOKENS;
      else process.env.LIVEWATCH_CALLBACK_TOKENS = saved;
      installRuntime(runtime);
    }
  });
});
