import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

async function nextAttemptAt(taskId: string): Promise<number> {
  const ledger = await h.store.ledgers.get(h.key(taskId));
  return ledger?.value.nextAttemptAt ?? h.clock.now();
}

describe('restart backoff, budget and the recovering grace (ManualClock)', () => {
  it('backs off between restarts of a failing task and resets after 10 min healthy', async () => {
    h = await startRemediateHarness();
    h.addRunningTask('flap-1');
    const t0 = h.clock.now();
    h.emulator.setTaskStatus('flap-1', 3, 'PullStreamFailed');
    expect((await handleEvents(h.deps, [h.eventFor('flap-1', 'offline')])).outcomes[0]?.action).toBe(
      'restarted',
    );

    // It fails again at once: the second restart waits about 10 s (± jitter).
    h.emulator.setTaskStatus('flap-1', 3, 'PullStreamFailed');
    const second = await handleEvents(h.deps, [h.eventFor('flap-1', 'offline')]);
    expect(second.outcomes[0]).toMatchObject({ action: 'waiting' });
    const due = await nextAttemptAt('flap-1');
    expect(due - t0).toBeGreaterThanOrEqual(9_000);
    expect(due - t0).toBeLessThanOrEqual(11_000);
    await h.advance(due - h.clock.now() - 500);
    await runTick(h.deps);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    await h.advance(500);
    const tick = await runTick(h.deps);
    expect(tick.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(2);

    // Third failure: about 20 s this time.
    const t2 = h.clock.now();
    h.emulator.setTaskStatus('flap-1', 3, 'PullStreamFailed');
    await handleEvents(h.deps, [h.eventFor('flap-1', 'offline')]);
    const third = await nextAttemptAt('flap-1');
    expect(third - t2).toBeGreaterThanOrEqual(18_000);
    expect(third - t2).toBeLessThanOrEqual(22_000);

    // Healthy for 10 minutes: the next failure is restarted at once, as restart #1 of a new series.
    await h.advance(third - h.clock.now());
    await runTick(h.deps);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(3);
    await handleEvents(h.deps, [h.eventFor('flap-1', 'running')]);
    await h.advance(10 * 60_000 + 1_000);
    h.emulator.setTaskStatus('flap-1', 3, 'PullStreamFailed');
    const fresh = await handleEvents(h.deps, [h.eventFor('flap-1', 'offline')]);
    expect(fresh.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(4);
    expect((await h.store.ledgers.get(h.key('flap-1')))?.value.consecutive).toBe(1);
  });

  it('escalates exactly once when the restart budget is spent, and resumes when the task runs again', async () => {
    h = await startRemediateHarness();
    h.addRunningTask('budget-1');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      h.emulator.setTaskStatus('budget-1', 3, 'PullStreamFailed');
      await h.advance(Math.max(0, (await nextAttemptAt('budget-1')) - h.clock.now()));
      const report = await handleEvents(h.deps, [h.eventFor('budget-1', 'offline')]);
      expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
    }
    expect(h.calls('RestartLivePullToPush')).toHaveLength(5);

    // The sixth failure inside 30 min: give up, mark it, escalate once — however often it is reported.
    for (let n = 0; n < 3; n += 1) {
      h.emulator.setTaskStatus('budget-1', 3, 'PullStreamFailed');
      await h.advance(Math.max(0, (await nextAttemptAt('budget-1')) - h.clock.now()) + 60_000);
      await handleEvents(h.deps, [
        h.eventFor('budget-1', 'offline', { source: n % 2 ? 'poll' : 'callback' }),
      ]);
      await runTick(h.deps);
    }
    expect(h.calls('RestartLivePullToPush')).toHaveLength(5);
    expect(h.notifier.of('GaveUp')).toHaveLength(1);
    expect(h.notifier.of('GaveUp')[0]).toMatchObject({ severity: 'critical' });
    const ledger = (await h.store.ledgers.get(h.key('budget-1')))?.value;
    expect(ledger).toMatchObject({ needsPerson: true });

    // Someone fixes it: seen running again, livewatch resumes with a fresh budget.
    h.emulator.setTaskStatus('budget-1', 1);
    await handleEvents(h.deps, [h.eventFor('budget-1', 'running', { source: 'poll' })]);
    expect((await h.store.ledgers.get(h.key('budget-1')))?.value).toMatchObject({
      needsPerson: false,
      restarts: [],
    });
    expect(h.notifier.of('GaveUp', 'resolved')).toHaveLength(1);
    h.emulator.setTaskStatus('budget-1', 3, 'PullStreamFailed');
    await handleEvents(h.deps, [h.eventFor('budget-1', 'offline')]);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(6);
  });

  it('leaves a recovering task to the platform within its grace, and restarts it only beyond', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_RECOVERING_GRACE_S: '120' } });
    // The platform would retry for 5 × 60 s; livewatch's grace is 120 s.
    h.addRunningTask('heals-1', { retryCount: 5, retryInterval: 60 });
    h.addRunningTask('stuck-1', { retryCount: 5, retryInterval: 60 });
    h.emulator.faults.failSource({ taskId: 'heals-1' });
    h.emulator.faults.failSource({ taskId: 'stuck-1' });
    await h.advance(1_000);
    expect(h.emulator.task('stuck-1')?.status).toBe(2);

    const first = await handleEvents(h.deps, [
      h.eventFor('heals-1', 'recovering', { reason: 'PullStreamFailed' }),
      h.eventFor('stuck-1', 'recovering', { reason: 'PullStreamFailed' }),
    ]);
    expect(first.outcomes.map((o) => o.action)).toEqual(['waiting', 'waiting']);
    expect(h.notifier.of('Recovering')).toHaveLength(2);
    const seen = h.clock.now();

    // heals-1's source comes back; the platform's own retry at +60 s (late under some readings)
    // brings it back.
    h.emulator.faults.recoverSource({ taskId: 'heals-1' });
    await h.advanceUntil(() => h.emulator.task('heals-1')?.status === 1, 'heals-1 running');
    expect((await runTick(h.deps)).outcomes).toHaveLength(0);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);

    // At the end of the grace (120 s + LIVEWATCH_RECOVERING_MARGIN_S 30 s) the tick re-checks both:
    // heals-1 recovered, stuck-1 is restarted (the setting cut the platform's own 5 × 60 s short).
    await h.advanceTo(seen + 140_000);
    expect((await runTick(h.deps)).outcomes.map((o) => o.action)).toEqual([]);
    await h.advanceTo(seen + 151_000);
    const tick = await runTick(h.deps);
    const byTask = Object.fromEntries(tick.outcomes.map((o) => [o.taskId, o.action]));
    expect(byTask).toEqual({ 'heals-1': 'healthy', 'stuck-1': 'restarted' });
    expect(h.calls('RestartLivePullToPush').map((c) => c.params.TaskId)).toEqual(['stuck-1']);
    expect(h.notifier.of('Recovering', 'resolved').map((n) => n.resource?.id)).toContain('heals-1');
    expect(h.notifier.of('Recovered').map((n) => n.resource?.id)).toEqual(['heals-1']);
  });
});
