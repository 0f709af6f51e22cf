import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/poller/index.js';
import { systemClock } from '../../lib/clock.js';
import { ValidationError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { createRuntime, installRuntime } from '../../lib/runtime.js';
import { fakeFcContext, fixtureBuffer } from '../support/fc-context.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';

describe('poller function (FC timer trigger glue)', () => {
  let h: MonitorHarness;
  const context = fakeFcContext({ function: { name: 'livewatch-poller', timeout: 60 } });

  beforeEach(async () => {
    h = await startMonitorHarness();
    const runtime = await createRuntime({
      config: h.config,
      store: h.store,
      invoker: h.invoker,
      // The store-backed rate limiter waits on this clock; the emulator keeps its own ManualClock.
      clock: systemClock,
      log: silentLogger,
    });
    installRuntime(runtime);
  });
  afterEach(async () => {
    installRuntime(undefined);
    await h.close();
  });

  it('runs one sweep per timer event and returns a compact summary', async () => {
    h.emulator.addTask({});
    const broken = h.emulator.addTask({ status: 3, invalidReason: 'PushStreamFailed' });
    const summary = await handler(fixtureBuffer('fc/timer-trigger.json'), context);
    expect(summary).toMatchObject({
      complete: true,
      changes: 1,
      events: 1,
      apiCalls: 3,
      throttled: 0,
      errors: [],
      tasks: { 'relay.running': 1, 'relay.offline': 1 },
    });
    expect(h.invoker.events().map((event) => event.resource.id)).toEqual([broken.taskId]);
    expect((await h.store.getHeartbeat())?.apiCalls).toBe(3);

    const again = await handler(fixtureBuffer('fc/timer-trigger-json-payload.json'), context);
    expect(again).toMatchObject({ events: 0 });
  });

  it('rejects a malformed timer event before doing anything', async () => {
    await expect(handler(Buffer.from('{"triggerName":1}'), context)).rejects.toBeInstanceOf(ValidationError);
    expect(h.emulator.requests).toEqual([]);
  });
});
