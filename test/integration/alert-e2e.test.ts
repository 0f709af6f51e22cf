import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handler as alertHandler } from '../../functions/alert/index.js';
import { handler as callbackHandler } from '../../functions/callback/index.js';
import { buildCallbackUrl } from '../../lib/callback/callback-url.js';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { resourceKey } from '../../lib/events/resources.js';
import { silentLogger } from '../../lib/log.js';
import { createRuntime, installRuntime, type Runtime } from '../../lib/runtime.js';
import { createStore } from '../../lib/store/create-store.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { type LocalHost, startLocalHost } from '../../local/host/index.js';

const HOUR = 3_600_000;
const TOKEN = 'e2e-callback-token-0123456789';
let emulator: Emulator | undefined;
let host: LocalHost | undefined;
let runtime: Runtime | undefined;
let dir: string | undefined;

afterEach(async () => {
  installRuntime(undefined);
  await host?.close();
  await runtime?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('end to end: a callback leads to one verified restart', () => {
  it('restarts a task whose offline callback travels emulator → local FC host → callback fn → alert fn', async () => {
    // The emulator's task clock is manual (callback delivery is deterministic); the functions run on
    // real time, as in FC — the store-shared API limiter paces calls by sleeping on the runtime's clock.
    const clock = new ManualClock(Date.now());
    emulator = await startEmulator({ clock, latencyMs: 0, qps: 500, timestampClock: systemClock });
    host = await startLocalHost({
      handlers: { callback: callbackHandler, alert: alertHandler },
      pollIntervalMs: 0,
      tickIntervalMs: 0,
      clock: systemClock,
    });
    dir = await mkdtemp(join(tmpdir(), 'livewatch-alert-e2e-'));
    const config = loadConfig({
      LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}`,
      LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_API_PROTOCOL: 'http',
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
      LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
      LIVEWATCH_API_QPS: '500',
      LIVEWATCH_CALLBACK_TOKENS: TOKEN,
      LIVEWATCH_CALLBACK_BASE_URL: host.url,
    });
    const store = await createStore(config.LIVEWATCH_STORE_URL);
    runtime = await createRuntime({
      config,
      clock: systemClock,
      log: silentLogger,
      store,
      invoker: host.invoker,
    });
    installRuntime(runtime);
    emulator.addTask({
      taskId: 'e2e-1',
      region: 'cn-shanghai',
      sourceUrls: ['rtmp://origin.example.com/live/e2e-1'],
      startAt: clock.now() - HOUR,
      endAt: clock.now() + HOUR,
      retryCount: 0,
      callbackUrl: buildCallbackUrl(config, 'cn-shanghai') ?? '',
    });

    // The source fails and the task goes offline; its callbacks arrive a second later, by which
    // time the source is back, so livewatch's restart holds.
    emulator.faults.setCallbacks({ delayMs: 1_000 });
    emulator.faults.failSource({ taskId: 'e2e-1' });
    await emulator.advance();
    expect(emulator.task('e2e-1')?.status).toBe(3);
    emulator.faults.recoverSource({ taskId: 'e2e-1' });
    emulator.faults.setCallbacks({ delayMs: 0 });
    clock.advance(1_000);
    await emulator.advance();
    await host.drain();

    expect(emulator.requests.filter((r) => r.action === 'RestartLivePullToPush')).toHaveLength(1);
    expect(emulator.task('e2e-1')?.status).toBe(1);
    // The Running callback our restart caused reaches the alert function too: recognised, not re-acted on.
    await emulator.advance();
    await host.drain();
    expect(host.invocations.length).toBeGreaterThanOrEqual(3);
    expect(emulator.requests.filter((r) => r.action === 'RestartLivePullToPush')).toHaveLength(1);
    const types = (
      await store.getHistory(resourceKey({ kind: 'relay', region: 'cn-shanghai', id: 'e2e-1' }))
    ).map((entry) => entry.type);
    expect(types).toContain('restart');
    expect(types).toContain('restart-ok');
    expect(types).not.toContain('recovered');
  });
});
