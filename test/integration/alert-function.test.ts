import { afterEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/alert/index.js';
import { MONITOR_HISTORY_KEY } from '../../lib/alert/check-heartbeat.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { systemClock } from '../../lib/clock.js';
import { ValidationError } from '../../lib/errors.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import { createRuntime, installRuntime } from '../../lib/runtime.js';
import { fakeFcContext, fixtureBuffer } from '../support/fc-context.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

const HOUR = 3_600_000;
let h: RemediateHarness;

afterEach(async () => {
  installRuntime(undefined);
  await h?.close();
});

async function install(): Promise<void> {
  // The functions run on real time, as in FC (the store-shared API limiter sleeps on this clock).
  const runtime = await createRuntime({
    config: h.config,
    clock: systemClock,
    log: silentLogger,
    store: h.store,
    notifier: h.notifier,
    invoker: { invokeAsync: async () => undefined },
  });
  installRuntime(runtime);
}

const context = fakeFcContext({
  function: { name: 'livewatch-alert', handler: 'alert.handler', timeout: 60 },
});

/** A harness whose task clock starts at the real now, so real-time functions and emulator tasks agree. */
const realTimeHarness = () => startRemediateHarness({ start: Date.now() });

describe('the alert function (FC glue)', () => {
  it('handles an async invocation carrying a batch of TaskEvents', async () => {
    h = await realTimeHarness();
    await install();
    h.emulator.addTask({
      taskId: 'fn-1',
      region: 'cn-shanghai',
      sourceUrls: ['rtmp://origin.example.com/live/fn-1'],
      startAt: h.clock.now() - HOUR,
      endAt: h.clock.now() + HOUR,
    });
    h.emulator.setTaskStatus('fn-1', 3, 'PullStreamFailed');
    const batch = [h.eventFor('fn-1', 'offline', { reason: 'PullStreamFailed' })];

    const summary = await handler(Buffer.from(JSON.stringify(batch)), context);

    expect(summary).toMatchObject({ kind: 'events', received: 1, duplicates: 0, actions: { restarted: 1 } });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    // FC re-runs the same invocation: answered as a duplicate, nothing done twice.
    const again = await handler(Buffer.from(JSON.stringify(batch)), context);
    expect(again).toMatchObject({ kind: 'events', duplicates: 1 });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
  });

  it('runs the tick on a timer trigger event', async () => {
    h = await realTimeHarness();
    await install();
    const summary = await handler(fixtureBuffer('fc/timer-trigger.json'), context);
    expect(summary).toMatchObject({ kind: 'tick', due: 0, heartbeat: 'missing' });
    expect(await h.store.getHistory(MONITOR_HISTORY_KEY)).toHaveLength(1);
  });

  it("accepts the doctor's empty batch and does nothing with it (no API call)", async () => {
    h = await realTimeHarness();
    await install();
    const summary = await handler(Buffer.from('[]'), context);
    expect(summary).toMatchObject({ kind: 'events', received: 0 });
    expect(h.emulator.requests).toHaveLength(0);
  });

  it('rejects a malformed batch at the edge without calling the API', async () => {
    h = await realTimeHarness();
    await install();
    const bad = [{ resource: { kind: 'relay', id: 'x', region: 'cn-shanghai' }, state: 'on-fire' }];
    await expect(handler(Buffer.from(JSON.stringify(bad)), context)).rejects.toBeInstanceOf(ValidationError);
    await expect(handler(Buffer.from('not json'), context)).rejects.toBeInstanceOf(ValidationError);
    expect(h.emulator.requests).toHaveLength(0);
  });

  it('propagates a store outage so FC retries the invocation', async () => {
    h = await realTimeHarness();
    await install();
    await h.store.close();
    const batch = [h.eventFor('any-1', 'offline')];
    await expect(handler(Buffer.from(JSON.stringify(batch)), context)).rejects.toMatchObject({
      name: 'StoreUnavailableError',
    });
  });
});

describe('the alert tick watches the poller heartbeat', () => {
  it('raises one critical "monitor unhealthy" notice when sweeps stop, and resolves it when they resume', async () => {
    const lines: string[] = [];
    h = await startRemediateHarness({ env: { LIVEWATCH_HEARTBEAT_MAX_AGE_S: '300' } });
    const deps = { ...h.deps, log: createLogger({ sink: (line) => lines.push(line) }) };
    await h.store.putHeartbeat({
      lastSuccessAt: h.clock.now(),
      durationMs: 900,
      complete: true,
      counts: {},
      apiCalls: 3,
    });
    expect((await runTick(deps)).heartbeat).toMatchObject({ kind: 'ok' });
    await h.advance(301_000);
    expect((await runTick(deps)).heartbeat).toMatchObject({ kind: 'stale', alerted: true });
    await h.advance(60_000);
    await runTick(deps);
    expect(h.notifier.of('MonitorUnhealthy')).toHaveLength(1);
    expect(h.notifier.of('MonitorUnhealthy')[0]).toMatchObject({ severity: 'critical', kind: 'monitor' });
    expect(lines.some((line) => line.includes('monitor unhealthy'))).toBe(true);

    await h.store.putHeartbeat({
      lastSuccessAt: h.clock.now(),
      durationMs: 800,
      complete: true,
      counts: {},
      apiCalls: 3,
    });
    const resumed = await runTick(deps);
    expect(resumed.heartbeat).toMatchObject({ kind: 'ok' });
    expect(h.notifier.of('MonitorUnhealthy', 'resolved')).toHaveLength(1);
    // The critical group is flushed on the tick: both messages went out through the log channel.
    expect(resumed.flush.sent + (await h.store.outboxStats()).sent).toBeGreaterThan(0);
  });

  it('alerts when no sweep was ever recorded long after the tick started watching', async () => {
    h = await startRemediateHarness();
    expect((await runTick(h.deps)).heartbeat).toEqual({ kind: 'missing', alerted: false });
    await h.advance(301_000);
    expect((await runTick(h.deps)).heartbeat).toEqual({ kind: 'missing', alerted: true });
    expect(h.notifier.of('MonitorUnhealthy')).toHaveLength(1);
  });
});
