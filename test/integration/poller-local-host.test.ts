import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as callbackHandler } from '../../functions/callback/index.js';
import { handler as pollerHandler } from '../../functions/poller/index.js';
import { type TaskEvent, TaskEventBatchSchema } from '../../lib/events/task-event.js';
import { installRuntime } from '../../lib/runtime.js';
import { type LocalHost, startLocalHost } from '../../local/host/index.js';
import {
  installHarnessRuntime,
  type MonitorHarness,
  startMonitorHarness,
} from '../support/monitor-harness.js';

const TOKEN = 'local-host-token-0123456789';

/**
 * The three functions' glue as FC runs them, on the local FC host: the poller's timer event, the
 * callback function's HTTP trigger, and async invocations of a recording alert function.
 */
describe('poller on the local FC host', () => {
  let h: MonitorHarness;
  let host: LocalHost;
  const alerts: TaskEvent[][] = [];

  beforeEach(async () => {
    alerts.length = 0;
    host = await startLocalHost({
      handlers: {
        callback: callbackHandler,
        poller: pollerHandler,
        alert: async (event) => {
          TaskEventBatchSchema.parse(JSON.parse(event.toString('utf8')));
          alerts.push(JSON.parse(event.toString('utf8')) as TaskEvent[]);
        },
      },
      pollIntervalMs: 0,
      tickIntervalMs: 0,
    });
    h = await startMonitorHarness({
      callbacks: { baseUrl: host.url, token: TOKEN, enrol: 'missing' },
      // The functions run on real time (the store-backed limiter sleeps on it), so the emulator's
      // task clock starts at the real now: callback times and sweep times are comparable.
      clockStart: Date.now(),
    });
    await installHarnessRuntime(h, host.invoker);
  });
  afterEach(async () => {
    installRuntime(undefined);
    await host.close();
    await h.close();
  });

  it('reports by polling, enrols, then hears the next change by callback and does not poll it again', async () => {
    const broken = h.emulator.addTask({ status: 3, invalidReason: 'PullStreamFailed' });
    const healthy = h.emulator.addTask({});
    await host.runPoller();
    await host.drain();
    expect(alerts.flat().map((event) => [event.source, event.resource.id, event.state])).toEqual([
      ['poll', broken.taskId, 'offline'],
    ]);
    expect(h.emulator.task(healthy.taskId)?.callbackUrl).toBe(
      `${host.url}/callback/${TOKEN}?region=cn-shanghai`,
    );

    // The failure happens clearly after the first sweep in real time (the sweep ran on the real clock).
    await h.advance(10_000);
    h.emulator.faults.failSource({ taskId: healthy.taskId });
    await h.advance(1_000);
    await host.drain();
    await host.runPoller();
    await host.drain();
    const later = alerts.flat().slice(1);
    expect(later.map((event) => [event.source, event.resource.id, event.state])).toEqual([
      ['callback', healthy.taskId, 'recovering'],
    ]);
    expect((await h.store.getHeartbeat())?.counts['relay.recovering']).toBe(1);
  });
});
