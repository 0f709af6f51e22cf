import { describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { startRemediateHarness } from '../support/remediate-harness.js';

const cleanup = cleanupAfterEach();

/**
 * With a 10-minute offline re-check: `taskId` is swept while running, goes offline (status 3 with
 * `reason`) and is swept again; `lost` is what that second sweep handed on.
 */
async function sweptOffline(taskId: string, reason?: string, env: Record<string, string> = {}) {
  const h = cleanup.close(
    await startRemediateHarness({ env: { LIVEWATCH_OFFLINE_RECHECK_S: '600', ...env } }),
  );
  h.addRunningTask(taskId);
  await h.sweep();
  h.emulator.setTaskStatus(taskId, 3, reason);
  await h.advance(1_000);
  return { h, lost: await h.sweep() };
}

describe('an offline task whose remediation was cut off', () => {
  it('is reported once more after LIVEWATCH_OFFLINE_RECHECK_S and restarted then', async () => {
    // It goes offline. The sweep writes the snapshot and hands the event on — and the alert
    // invocation that got it dies before restarting (FC killed the instance): the event is gone.
    const { h, lost } = await sweptOffline('lost-1', 'PullStreamFailed');
    expect(lost).toEqual([expect.objectContaining({ trigger: 'transition', state: 'offline' })]);
    // The event inbox would re-deliver it (test/integration/alert-inbox.test.ts); here its entry is gone
    // too (dropped after its re-deliveries), so the re-check below is the last net.
    await h.store.removeFromInbox(lost.map((event) => event.key));

    // Nothing else would ever bring it up: the snapshot already says offline and no ledger has a re-check.
    await h.advance(599_000 - 1_000);
    const quiet = await h.sweep();
    await runTick(h.deps);
    expect(quiet).toEqual([]);
    expect(h.calls('RestartLivePullToPush')).toEqual([]);

    // After the re-check period the sweep reports it once more, and the alert function restarts it.
    await h.advance(2_000);
    const events = await h.sweep();
    expect(events).toEqual([
      expect.objectContaining({ trigger: 'stuck', state: 'offline', reason: 'OfflineUnattended' }),
    ]);
    const report = await handleEvents(h.deps, events);
    expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);

    // Reported once per offline period: a later sweep of the same state adds nothing.
    await h.advance(3_600_000);
    const later = await h.sweep();
    expect(later.filter((event) => event.reason === 'OfflineUnattended')).toEqual([]);
  });

  it('sends one notice for a stop with no reason, restarts nothing, and the re-check does not repeat it', async () => {
    const h = cleanup.close(await startRemediateHarness({ env: { LIVEWATCH_OFFLINE_RECHECK_S: '600' } }));
    h.emulator.readings.set({ userStop: 'no-reason' });
    h.addRunningTask('bare-1');
    await h.sweep();
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'bare-1' });
    await h.advance(1_000);
    const first = await h.sweep();
    await handleEvents(h.deps, first);
    // A duplicate delivery and the tick's looks change nothing.
    await handleEvents(h.deps, [h.eventFor('bare-1', 'offline', { source: 'poll' })]);
    for (let hour = 0; hour < 6; hour += 1) {
      await h.advance(3_600_000);
      const later = await h.sweep();
      expect(later).toEqual([]);
      await runTick(h.deps);
    }
    expect(h.calls('RestartLivePullToPush')).toEqual([]);
    const notices = h.notifier.notices.filter((notice) => notice.reason === 'StoppedNoReason');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain('LIVEWATCH_RESTART_UNEXPLAINED_STOPS');
  });

  it('re-checks a stop with no reason when LIVEWATCH_RESTART_UNEXPLAINED_STOPS asks for restarts', async () => {
    // The event is lost, as above.
    const { h } = await sweptOffline('bare-2', undefined, { LIVEWATCH_RESTART_UNEXPLAINED_STOPS: 'true' });
    await h.advance(601_000);
    const recheck = await h.sweep();
    expect(recheck).toEqual([expect.objectContaining({ reason: 'OfflineUnattended' })]);
    const report = await handleEvents(h.deps, recheck);
    expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
  });

  it('never re-reports a task a user stopped', async () => {
    const { h } = await sweptOffline('stopped-1', 'TriggerByUser');
    await h.advance(6 * 3_600_000);
    const later = await h.sweep();
    expect(later).toEqual([]);
  });
});
