import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';
import { redisLeg, redisServerPerSuite, reportLegNotRun } from '../support/store-adapters.js';
import { seenIdsOfCursor } from '../support/sweep-seen.js';

describe('runSweep on the Redis store', () => {
  // Under CI the Redis leg must run; elsewhere a missing redis-server is said plainly.
  if (reportLegNotRun('monitor-sweep-redis', redisLeg)) return;
  const redis = redisServerPerSuite();

  async function harness(): Promise<MonitorHarness> {
    return startMonitorHarness({ store: { url: redis().url, redisPrefix: `lwpoll:${randomUUID()}:` } });
  }

  it('reports each transition once and concludes a pass over two ticks, with snapshots and cursor in Redis', async () => {
    const h = await harness();
    try {
      for (let index = 0; index < 150; index += 1) h.emulator.addTask({});
      const first = await runSweep(h.deps);
      expect(first.snapshotWrites).toBe(150);
      const [victim] = h.emulator.tasks();
      if (victim === undefined) throw new Error('no task');
      h.emulator.faults.failSource({ taskId: victim.taskId });
      await h.advance(1_000);

      const partial = await runSweep(h.deps, { budgetPages: 1 });
      expect(partial.leftAt).toEqual({ scope: 'relay:cn-shanghai', page: 2 });
      const seen = await seenIdsOfCursor(h.store, 'relay:cn-shanghai:');
      expect(seen).toHaveLength(100);
      const gone = seen.find((id) => id !== victim.taskId) ?? '';
      await h.client.deleteRelayTask({ region: 'cn-shanghai', taskId: gone });

      // The pass ends: `gone` was seen on its first tick, so it is not concluded gone in this pass.
      const rest = await runSweep(h.deps);
      expect(rest.continuedFrom).toEqual({ scope: 'relay:cn-shanghai', page: 2 });
      expect(rest.scopes[0]).toMatchObject({ concluded: true, disappeared: 0 });
      expect(rest.events.map((event) => event.resource.id)).not.toContain(gone);
      // The next full pass concludes it.
      const again = await runSweep(h.deps);
      expect(again.complete).toBe(true);
      expect(again.events.map((event) => [event.resource.id, event.trigger, event.state])).toEqual([
        [gone, 'disappeared', 'exited'],
      ]);

      const victimEvents = h.invoker.events().filter((event) => event.resource.id === victim.taskId);
      expect(victimEvents.map((event) => `${event.previousState}>${event.state}`)).toEqual([
        'running>recovering',
      ]);
      expect((await h.store.getHeartbeat())?.counts['relay.running']).toBe(148);
    } finally {
      await h.close();
    }
  });
});
