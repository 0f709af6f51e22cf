import { afterEach, describe, expect, it } from 'vitest';
import { startCallbackHarness } from '../support/fc-callback-harness.js';
import { fixtureBuffer } from '../support/fc-context.js';
import { type RedisServer, redisServerMissingReason, startRedisServer } from '../support/redis-server.js';
import { reportLegNotRun } from '../support/store-adapters.js';

type Harness = Awaited<ReturnType<typeof startCallbackHarness>>;

/** How the store fails while the invocation is in flight, and how it comes back. */
interface Outage {
  readonly name: 'sqlite' | 'redis';
  readonly how: string;
  readonly missing: string | undefined;
  start(): Promise<{
    h: Harness;
    fail: () => Promise<void>;
    recover: () => Promise<void>;
    stop: () => Promise<void>;
  }>;
}

const outages: Outage[] = [
  {
    name: 'sqlite',
    how: 'store closed',
    missing: undefined,
    async start() {
      const h = await startCallbackHarness();
      return { h, fail: () => h.closeStore(), recover: () => h.reopenStore(), stop: () => h.close() };
    },
  },
  {
    name: 'redis',
    how: 'server hung: SIGSTOP',
    missing: process.env.CI ? undefined : redisServerMissingReason(),
    async start() {
      const redis: RedisServer = await startRedisServer();
      const h = await startCallbackHarness({ storeUrl: redis.url });
      const signal = (name: NodeJS.Signals) => {
        if (redis.pid === undefined) throw new Error('redis-server has no pid');
        process.kill(redis.pid, name);
      };
      return {
        h,
        fail: async () => signal('SIGSTOP'),
        recover: async () => signal('SIGCONT'),
        stop: async () => {
          await h.close();
          await redis.stop();
        },
      };
    },
  },
];

describe.each(outages)('callback dedupe claim in two phases: $name ($how)', (outage) => {
  if (reportLegNotRun('callback-claim-two-phase', outage)) return;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a store failure inside a callback (the claim cannot be released): the sender’s retry is processed, not a duplicate', async () => {
    const started = await outage.start();
    const { h } = started;
    stop = started.stop;
    const body = fixtureBuffer('callbacks/offline-retries-exhausted.json');

    // The invocation fails and, while it is in flight, so does the store: nothing can be undone.
    h.failInvokes(500);
    h.duringInvokes(started.fail);
    const first = await h.send({ body });
    expect(first.statusCode).toBe(503);
    await started.recover();
    h.duringInvokes(undefined);
    h.restoreInvokes();
    expect(h.logLines.some((line) => line.includes('could not undo the callback after a failure'))).toBe(
      true,
    );

    // The left-over claim is the short processing one: a resend right away still meets it …
    expect((await h.send({ body })).json).toEqual({ ok: true, duplicate: true });
    // … and the sender's retry after it has lapsed is processed, long before LIVEWATCH_DEDUPE_TTL_S.
    h.clock.advance(15_001);
    expect((await h.send({ body })).json).toEqual({ ok: true, duplicate: false });
    expect(h.invocations()).toHaveLength(1);

    // Handed on: the claim now lasts the dedupe TTL.
    h.clock.advance(15_001);
    expect((await h.send({ body })).json).toEqual({ ok: true, duplicate: true });
    h.clock.advance(h.config.LIVEWATCH_DEDUPE_TTL_S * 1000 - 30_000);
    expect((await h.send({ body })).json).toEqual({ ok: true, duplicate: true });
    expect(h.invocations()).toHaveLength(1);
  });
});
