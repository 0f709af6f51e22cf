import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { parseEventBatch } from '../../lib/alert/parse-event-batch.js';
import { runTick } from '../../lib/alert/run-tick.js';
import type { TaskEvent } from '../../lib/events/task-event.js';
import { silentLogger } from '../../lib/log.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import type { Invoker } from '../../lib/ports/invoker.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/** Collects the batches the poller hands to the alert function. */
class CollectingInvoker implements Invoker {
  readonly batches: unknown[] = [];
  async invokeAsync(_functionName: string, payload: string): Promise<void> {
    this.batches.push(JSON.parse(payload));
  }
  events(): TaskEvent[] {
    return this.batches.flatMap((batch) => parseEventBatch(batch));
  }
}

let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

async function sweep(invoker: Invoker): Promise<void> {
  const { config, store, client, clock } = h;
  const report = await runSweep({ config, store, client, invoker, clock, log: silentLogger });
  expect(report.errors).toEqual([]);
}

describe('an offline task whose remediation was cut off', () => {
  it('is reported once more after LIVEWATCH_OFFLINE_RECHECK_S and restarted then', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_OFFLINE_RECHECK_S: '600' } });
    h.addRunningTask('lost-1');
    await sweep(new CollectingInvoker());

    // It goes offline. The sweep writes the snapshot and hands the event on — and the alert
    // invocation that got it dies before restarting (FC killed the instance): the event is gone.
    h.emulator.setTaskStatus('lost-1', 3, 'PullStreamFailed');
    await h.advance(1_000);
    const lost = new CollectingInvoker();
    await sweep(lost);
    expect(lost.events()).toEqual([expect.objectContaining({ trigger: 'transition', state: 'offline' })]);
    // The event inbox would re-deliver it (test/integration/alert-inbox.test.ts); here its entry is gone
    // too (dropped after its re-deliveries), so the re-check below is the last net.
    await h.store.removeFromInbox(lost.events().map((event) => event.key));

    // Nothing else would ever bring it up: the snapshot already says offline and no ledger has a re-check.
    const quiet = new CollectingInvoker();
    await h.advance(599_000 - 1_000);
    await sweep(quiet);
    await runTick(h.deps);
    expect(quiet.events()).toEqual([]);
    expect(h.calls('RestartLivePullToPush')).toEqual([]);

    // After the re-check period the sweep reports it once more, and the alert function restarts it.
    await h.advance(2_000);
    const recheck = new CollectingInvoker();
    await sweep(recheck);
    const events = recheck.events();
    expect(events).toEqual([
      expect.objectContaining({ trigger: 'stuck', state: 'offline', reason: 'OfflineUnattended' }),
    ]);
    const report = await handleEvents(h.deps, events);
    expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);

    // Reported once per offline period: a later sweep of the same state adds nothing.
    const later = new CollectingInvoker();
    await h.advance(3_600_000);
    await sweep(later);
    expect(later.events().filter((event) => event.reason === 'OfflineUnattended')).toEqual([]);
  });

  it('sends one notice for a stop with no reason, restarts nothing, and the re-check does not repeat it', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_OFFLINE_RECHECK_S: '600' } });
    h.emulator.readings.set({ userStop: 'no-reason' });
    h.addRunningTask('bare-1');
    await sweep(new CollectingInvoker());
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'bare-1' });
    await h.advance(1_000);
    const first = new CollectingInvoker();
    await sweep(first);
    await handleEvents(h.deps, first.events());
    // A duplicate delivery and the tick's looks change nothing.
    await handleEvents(h.deps, [h.eventFor('bare-1', 'offline', { source: 'poll' })]);
    for (let hour = 0; hour < 6; hour += 1) {
      await h.advance(3_600_000);
      const later = new CollectingInvoker();
      await sweep(later);
      expect(later.events()).toEqual([]);
      await runTick(h.deps);
    }
    expect(h.calls('RestartLivePullToPush')).toEqual([]);
    const notices = h.notifier.notices.filter((notice) => notice.reason === 'StoppedNoReason');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain('LIVEWATCH_RESTART_UNEXPLAINED_STOPS');
  });

  it('re-checks a stop with no reason when LIVEWATCH_RESTART_UNEXPLAINED_STOPS asks for restarts', async () => {
    h = await startRemediateHarness({
      env: { LIVEWATCH_OFFLINE_RECHECK_S: '600', LIVEWATCH_RESTART_UNEXPLAINED_STOPS: 'true' },
    });
    h.addRunningTask('bare-2');
    await sweep(new CollectingInvoker());
    h.emulator.setTaskStatus('bare-2', 3);
    await h.advance(1_000);
    await sweep(new CollectingInvoker()); // the event is lost, as above
    await h.advance(601_000);
    const recheck = new CollectingInvoker();
    await sweep(recheck);
    expect(recheck.events()).toEqual([expect.objectContaining({ reason: 'OfflineUnattended' })]);
    const report = await handleEvents(h.deps, recheck.events());
    expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
  });

  it('never re-reports a task a user stopped', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_OFFLINE_RECHECK_S: '600' } });
    h.addRunningTask('stopped-1');
    await sweep(new CollectingInvoker());
    h.emulator.setTaskStatus('stopped-1', 3, 'TriggerByUser');
    await h.advance(1_000);
    await sweep(new CollectingInvoker());
    const later = new CollectingInvoker();
    await h.advance(6 * 3_600_000);
    await sweep(later);
    expect(later.events()).toEqual([]);
  });
});
