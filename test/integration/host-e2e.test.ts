import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as callbackHandler } from '../../functions/callback/index.js';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import type { TaskEvent } from '../../lib/events/task-event.js';
import { silentLogger } from '../../lib/log.js';
import { createRuntime, installRuntime, type Runtime } from '../../lib/runtime.js';
import { createStore } from '../../lib/store/create-store.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { type LocalHost, startLocalHost } from '../../local/host/index.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';

const TOKEN = 'e2e-callback-token-0123456789';

const cleanup = cleanupAfterEach();
let clock: ManualClock;
let emulator: Emulator;
let host: LocalHost;
let runtime: Runtime;
let received: TaskEvent[];

beforeEach(async () => {
  const dir = cleanup.tempDir('lw-e2e-');
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  emulator = cleanup.close(
    await startEmulator({ clock, latencyMs: 0, tasks: 0, callback: { retryDelayMs: 0 } }),
  );
  const config = loadConfig({
    LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}`,
    LIVEWATCH_CALLBACK_TOKENS: TOKEN,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
  });
  received = [];
  // A recording alert function: what the alert handler would be handed, as FC hands it (a Buffer).
  const alert = async (event: Buffer) => {
    const payload = JSON.parse(event.toString('utf8')) as unknown;
    if (Array.isArray(payload)) received.push(...(payload as TaskEvent[]));
  };
  host = cleanup.close(
    await startLocalHost({
      runtime: { config },
      handlers: { callback: callbackHandler, alert },
      pollIntervalMs: 0,
      tickIntervalMs: 0,
      clock,
      log: silentLogger,
    }),
  );
  runtime = cleanup.close(
    await createRuntime({
      config,
      clock,
      log: silentLogger,
      store: await createStore(config.LIVEWATCH_STORE_URL),
      invoker: host.invoker,
    }),
  );
  installRuntime(runtime);
  cleanup.close({ close: () => installRuntime(undefined) });
});

function addWatchedTask() {
  return emulator.addTask({
    region: 'cn-shanghai',
    sourceUrls: ['rtmp://src-e2e.example.com/app/s1'],
    callbackUrl: `${host.url}/callback/${TOKEN}?region=cn-shanghai`,
    retryCount: 2,
    retryInterval: 60,
    startAt: clock.now() - 60_000,
    endAt: clock.now() + 86_400_000,
  });
}

describe('end to end: emulator → local FC host → callback function → alert function', () => {
  it('delivers exactly one event for a failed source, over real HTTP', async () => {
    const task = addWatchedTask();
    await emulator.advance();

    emulator.faults.failSource({ taskId: task.taskId });
    clock.advance(1_000);
    await emulator.advance();
    await host.drain();

    const recovering = received.filter(
      (event) => event.resource.id === task.taskId && event.state === 'recovering',
    );
    expect(recovering).toHaveLength(1);
    expect(recovering[0]).toMatchObject({
      source: 'callback',
      resource: { kind: 'relay', region: 'cn-shanghai' },
      trigger: 'transition',
    });
    expect(
      emulator.callbackLog.filter((entry) => entry.taskId === task.taskId).every((e) => e.status === 200),
    ).toBe(true);
  });

  it('reports the later offline transition once, even when the emulator sends every callback twice', async () => {
    const task = addWatchedTask();
    await emulator.advance();
    emulator.faults.setCallbacks({ duplicate: 1 });

    emulator.faults.failSource({ taskId: task.taskId });
    clock.advance(1_000);
    await emulator.advance();
    // Past RetryCount × RetryInterval: the platform gives up and the task goes offline.
    clock.advance(3 * 60_000);
    await emulator.advance();
    await host.drain();

    const states = received.filter((event) => event.resource.id === task.taskId).map((event) => event.state);
    expect(states.filter((state) => state === 'recovering')).toHaveLength(1);
    expect(states.filter((state) => state === 'offline')).toHaveLength(1);
    expect(
      emulator.callbackLog.filter((entry) => entry.taskId === task.taskId).length,
    ).toBeGreaterThanOrEqual(4);
    const history = await runtime.store.getHistory(`relay:cn-shanghai:${task.taskId}`);
    expect(history.filter((entry) => entry.type === 'event')).toHaveLength(2);
  });
});
