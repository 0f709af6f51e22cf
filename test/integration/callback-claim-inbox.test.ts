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

describe.each(outages)('callback dedupe claim beside the event inbox: $name ($how)', (outage) => {
  if (reportLegNotRun('callback-claim-inbox', outage)) return;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a store failure inside a callback (the claim cannot be released): the event inbox still delivers it, once', async () => {
    const started = await outage.start();
    const { h } = started;
    stop = started.stop;
    const body = fixtureBuffer('callbacks/offline-retries-exhausted.json');
    const receivedAt = h.clock.now();

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

    // The claim was written once with its full length beside the inbox entry: every resend within
    // LIVEWATCH_DEDUPE_TTL_S is a duplicate …
    expect((await h.send({ body })).json).toEqual({ ok: true, duplicate: true });
    h.clock.advance(h.config.LIVEWATCH_DEDUPE_TTL_S * 1000 - 1);
    expect((await h.send({ body })).json).toEqual({ ok: true, duplicate: true });
    expect(h.invocations()).toHaveLength(0);

    // … and the event is not lost: its inbox entry (committed with the claim) is due for the alert
    // tick LIVEWATCH_INBOX_REDELIVER_S after it arrived, exactly one entry for it.
    expect(await h.store.inboxStats()).toEqual({
      pending: 1,
      nextDueAt: receivedAt + h.config.LIVEWATCH_INBOX_REDELIVER_S * 1000,
    });
    const due = await h.store.takeDueInbox(h.clock.now(), 10, 60_000);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ createdAt: receivedAt, event: { state: 'offline' } });
  });
});
