import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/poller/index.js';
import { ValidationError } from '../../lib/errors.js';
import { installRuntime } from '../../lib/runtime.js';
import { fakeFcContext, fixtureBuffer } from '../support/fc-context.js';
import {
  installHarnessRuntime,
  type MonitorHarness,
  startMonitorHarness,
} from '../support/monitor-harness.js';

describe('poller function (FC timer trigger glue)', () => {
  let h: MonitorHarness;
  const context = fakeFcContext({ function: { name: 'livewatch-poller', timeout: 60 } });

  beforeEach(async () => {
    h = await startMonitorHarness();
    await installHarnessRuntime(h);
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
