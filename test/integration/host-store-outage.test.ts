import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { parseEventBatch } from '../../lib/alert/parse-event-batch.js';
import { silentLogger } from '../../lib/log.js';
import { createLocalInvoker, type LocalInvoker } from '../../local/host/create-local-invoker.js';
import { fakeFcContext } from '../support/fc-context.js';
import { type RedisServer, startRedisServer, waitForStore } from '../support/redis-server.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';
import { redisLeg, reportLegNotRun } from '../support/store-adapters.js';

/**
 * #13: under a store outage the local host used to spend a failed run's retries at once (96
 * invocations dropped while Redis was down for 5 s). Now it retries like FC, with a doubling backoff
 * from 0.5 s (docs/callback.md, "Async retries"), so an outage shorter than the backoff loses nothing.
 * Real parts: redis-server stopped and started again on its port, the emulator, the alert core.
 */

describe('local host async invocations under a store outage', () => {
  if (reportLegNotRun('host-store-outage', redisLeg)) return;
  let redis: RedisServer | undefined;
  let h: RemediateHarness | undefined;
  let invoker: LocalInvoker | undefined;
  afterEach(async () => {
    invoker?.close();
    await h?.close();
    await redis?.stop();
  });

  it('loses no invocation while Redis is down: each is retried after the outage and every task restarted once', async () => {
    redis = await startRedisServer();
    const harness = await startRemediateHarness({
      env: { LIVEWATCH_STORE_URL: redis.url, LIVEWATCH_REDIS_PREFIX: 'host-outage:' },
    });
    h = harness;
    // Four: below LIVEWATCH_BREAKER_THRESHOLD (5), so no mass-failure breaker holds the restarts.
    const ids = Array.from({ length: 4 }, (_, i) => `outage-${i}`);
    for (const id of ids) {
      harness.addOfflineTask(id);
    }
    const local = createLocalInvoker({
      functions: {
        [harness.config.LIVEWATCH_ALERT_FUNCTION]: async (payload) => {
          await handleEvents(harness.deps, parseEventBatch(JSON.parse(payload.toString('utf8'))));
        },
      },
      contextFor: (name) => fakeFcContext({ function: { name } }),
      log: silentLogger,
      clock: harness.clock,
      concurrency: ids.length,
    });
    invoker = local;

    await redis.stop();
    for (const id of ids) {
      const event = harness.eventFor(id, 'offline', { reason: 'PullStreamFailed' });
      await local.invokeAsync(harness.config.LIVEWATCH_ALERT_FUNCTION, JSON.stringify([event]), event.key);
    }
    // Down through the first run and the first retry (0.5 s later): both fail, nothing is dropped.
    await local.drain();
    harness.clock.advance(500);
    await local.drain();
    expect(local.invocations.map((i) => [i.status, i.attempts])).toEqual(ids.map(() => ['waiting', 2]));
    expect(harness.calls('RestartLivePullToPush')).toEqual([]);

    // Back (same port, empty): the next retry, 1 s later, goes through.
    redis = await startRedisServer({ port: redis.port });
    await waitForStore(() => harness.store.ping());
    harness.clock.advance(1_000);
    await local.drain();
    expect(local.invocations.map((i) => i.status)).toEqual(ids.map(() => 'succeeded'));
    const restarted = harness.calls('RestartLivePullToPush').filter((call) => call.status === 200);
    expect(restarted.map((call) => call.params.TaskId).sort()).toEqual([...ids].sort());
  });

  it('drops an invocation whose retries are spent, as FC does (the event inbox is the net behind it)', async () => {
    redis = await startRedisServer();
    const harness = await startRemediateHarness({
      env: { LIVEWATCH_STORE_URL: redis.url, LIVEWATCH_REDIS_PREFIX: 'host-spent:' },
    });
    h = harness;
    let runs = 0;
    const local = createLocalInvoker({
      functions: {
        [harness.config.LIVEWATCH_ALERT_FUNCTION]: async () => {
          runs += 1;
          await harness.store.ping();
        },
      },
      contextFor: (name) => fakeFcContext({ function: { name } }),
      log: silentLogger,
      clock: harness.clock,
      maxRetries: 2,
      maxAgeMs: 3_600_000,
    });
    invoker = local;
    await redis.stop();
    await local.invokeAsync(harness.config.LIVEWATCH_ALERT_FUNCTION, '[]', 'ev_spent');
    for (const delay of [500, 1_000]) {
      await local.drain();
      harness.clock.advance(delay);
    }
    await local.drain();
    expect(runs).toBe(3);
    expect(local.invocations[0]).toMatchObject({ status: 'failed', attempts: 3 });
  });
});
