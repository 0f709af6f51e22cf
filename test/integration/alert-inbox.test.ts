import { afterEach, describe, expect, it } from 'vitest';
import { runTick } from '../../lib/alert/run-tick.js';
import { handleCallbackRequest } from '../../lib/callback/handle-callback-request.js';
import { silentLogger } from '../../lib/log.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { createLocalInvoker, type LocalInvoker } from '../../local/host/create-local-invoker.js';
import { fakeFcContext } from '../support/fc-context.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';
import { runRemediateChild } from '../support/run-remediate-child.js';

/**
 * The event inbox (docs/alert.md, "Event inbox"): every event handed to the alert function is kept in
 * the store until the alert function marks it handled; the tick re-delivers the rest. Real parts: the
 * emulator over loopback, SQLite, the local host's async invoker, a real child process for SIGKILL.
 */
const TOKEN = 'inbox-test-token-0123456789';
const REDELIVER_MS = 180_000;

let h: RemediateHarness;
let invoker: LocalInvoker | undefined;
afterEach(async () => {
  invoker?.close();
  invoker = undefined;
  await h?.close();
});

/** The local host's async invoker with an alert function that always fails: FC drops the event after its retries. */
function droppingInvoker(): LocalInvoker {
  invoker = createLocalInvoker({
    functions: {
      [h.config.LIVEWATCH_ALERT_FUNCTION]: async () => {
        throw new Error('the instance crashed');
      },
    },
    contextFor: (name) => fakeFcContext({ function: { name } }),
    log: silentLogger,
    maxRetries: 2,
    clock: h.clock,
  });
  return invoker;
}

/** Runs the dropping invoker through its retries (0.5 s, then 1 s later) until it gives up. */
async function dropAll(dropping: LocalInvoker): Promise<void> {
  for (const delay of [500, 1_000]) {
    await dropping.drain();
    h.clock.advance(delay);
  }
  await dropping.drain();
}

function restartsOf(taskId: string): number {
  return h
    .calls('RestartLivePullToPush')
    .filter((call) => call.params.TaskId === taskId && call.status === 200).length;
}

describe('event inbox: an invocation dropped after its retries', () => {
  it('a callback’s event is re-delivered by the tick and handled once', async () => {
    h = await startRemediateHarness();
    h.addOfflineTask('drop-cb');
    const dropping = droppingInvoker();
    const config = { ...h.config, LIVEWATCH_CALLBACK_TOKENS: [TOKEN] };
    const body = JSON.stringify({
      Event: 'LivePullToPushRuning',
      EventTime: String(Math.floor(h.clock.now() / 1000)),
      TaskId: 'drop-cb',
      TaskStatus: 3,
      TaskInvalidReason: 'PullStreamFailed',
    });
    const response = await handleCallbackRequest(
      { config, store: h.store, invoker: dropping, clock: h.clock, log: silentLogger },
      {
        method: 'POST',
        path: `/callback/${TOKEN}`,
        headers: {},
        query: { region: 'cn-shanghai' },
        body: Buffer.from(body),
      },
    );
    expect(response.statusCode, response.body).toBe(200);
    await dropAll(dropping);
    expect(dropping.invocations.map((i) => [i.status, i.attempts])).toEqual([['failed', 3]]);
    expect(restartsOf('drop-cb')).toBe(0);
    expect((await h.store.inboxStats()).pending).toBe(1);

    // Not yet due (1.5 s went on the retries): a tick leaves it alone.
    h.clock.advance(REDELIVER_MS - 1_500 - 1_000);
    expect((await runTick(h.deps)).redelivered).toBe(0);
    h.clock.advance(1_000);
    const tick = await runTick(h.deps);
    expect(tick.redelivered).toBe(1);
    expect(restartsOf('drop-cb')).toBe(1);
    expect(await h.store.inboxStats()).toEqual({ pending: 0 });

    h.clock.advance(REDELIVER_MS * 2);
    expect((await runTick(h.deps)).redelivered).toBe(0);
    expect(restartsOf('drop-cb')).toBe(1);
  });

  it('a sweep’s events are re-delivered by the tick and handled once each', async () => {
    h = await startRemediateHarness();
    for (const id of ['drop-p1', 'drop-p2']) {
      h.addOfflineTask(id);
    }
    const dropping = droppingInvoker();
    const sweep = await runSweep({ ...h.deps, invoker: dropping });
    expect(sweep.errors).toEqual([]);
    await dropAll(dropping);
    expect(dropping.invocations.every((i) => i.status === 'failed')).toBe(true);
    expect((await h.store.inboxStats()).pending).toBeGreaterThanOrEqual(2);

    h.clock.advance(REDELIVER_MS);
    await runTick(h.deps);
    expect([restartsOf('drop-p1'), restartsOf('drop-p2')]).toEqual([1, 1]);
    expect(await h.store.inboxStats()).toEqual({ pending: 0 });
    h.clock.advance(REDELIVER_MS * 2);
    await runTick(h.deps);
    expect([restartsOf('drop-p1'), restartsOf('drop-p2')]).toEqual([1, 1]);
  });

  it('an event the alert function handled leaves the inbox at once; a duplicate delivery changes nothing', async () => {
    h = await startRemediateHarness();
    h.addOfflineTask('kept');
    const event = h.eventFor('kept', 'offline', { reason: 'PullStreamFailed' });
    const now = h.clock.now();
    await h.store.addToInbox([{ key: event.key, event, createdAt: now, dueAt: now + REDELIVER_MS }]);
    const { handleEvents } = await import('../../lib/alert/handle-events.js');
    await handleEvents(h.deps, [event]);
    expect(await h.store.inboxStats()).toEqual({ pending: 0 });
    expect((await handleEvents(h.deps, [event])).duplicates).toBe(1);
    expect(restartsOf('kept')).toBe(1);
  });
});

describe('event inbox: an alert function killed mid-batch', () => {
  it('the tick re-delivers what the killed run left and every event is handled once', async () => {
    // The child processes run on the real clock: start the emulator's task clock there too.
    h = await startRemediateHarness({ start: Date.now() });
    const ids = ['mid-a', 'mid-b'];
    for (const id of ids) {
      h.addOfflineTask(id);
    }
    const job = {
      resource: { kind: 'record' as const, id: 'mid-rec', region: 'cn-shanghai' },
      state: 'paused' as const,
      trigger: 'transition' as const,
      observedAt: Date.now(),
      source: 'poll' as const,
      key: 'ev_mid_rec',
    };
    const events = [job, ...ids.map((id) => h.eventFor(id, 'offline', { reason: 'PullStreamFailed' }))];
    const jobAlerts = async () =>
      (await h.store.getHistory('record:cn-shanghai:mid-rec')).filter((e) => e.type === 'alert').length;
    // As the poller does before it invokes the alert function.
    const now = Date.now();
    await h.store.addToInbox(
      events.map((event) => ({ key: event.key, event, createdAt: now, dueAt: now + REDELIVER_MS })),
    );

    // Killed once both tasks' Restart calls answered, before any outcome was written.
    const killed = await runRemediateChild(['batch', JSON.stringify(events)], {
      ...h.env,
      LIVEWATCH_TEST_CRASH_AT: 'after-restart-call',
      LIVEWATCH_TEST_CRASH_ON_PASS: String(ids.length),
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(await jobAlerts()).toBe(1);
    expect(ids.map(restartsOf)).toEqual([1, 1]);
    expect((await h.store.inboxStats()).pending).toBe(ids.length);

    // The tick, once the batch is due for re-delivery (its dead run's claims and leases have lapsed).
    const tick = await runRemediateChild(['tick'], {
      ...h.env,
      LIVEWATCH_TEST_CLOCK_OFFSET_MS: String(REDELIVER_MS + 1_000),
    });
    expect(tick.code, tick.stderr).toBe(0);
    expect(await h.store.inboxStats()).toEqual({ pending: 0 });
    expect(ids.map(restartsOf)).toEqual([1, 1]);
    // Each task's write-ahead intent was left "may have happened"; the tick finds the task running
    // again and settles it without a second Restart: one budget entry each (docs/alert.md "Ledger states").
    for (const id of ids) {
      expect((await h.store.ledgers.get(h.key(id)))?.value.restarts).toHaveLength(1);
    }
    expect(await jobAlerts()).toBe(1);

    const again = await runRemediateChild(['tick'], {
      ...h.env,
      LIVEWATCH_TEST_CLOCK_OFFSET_MS: String(3 * REDELIVER_MS + 2_000),
    });
    expect(again.code, again.stderr).toBe(0);
    expect(ids.map(restartsOf)).toEqual([1, 1]);
    expect(await jobAlerts()).toBe(1);
  });
});
