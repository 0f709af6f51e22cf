import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

const HOST = 'shared.example.com';
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

function addRunningTask(taskId: string, host: string) {
  return h.addRunningTask(taskId, { sourceUrls: [`rtmp://${host}/live/${taskId}`] });
}

function restartsOf(ids: readonly string[]): number {
  return h.calls('RestartLivePullToPush').filter((c) => ids.includes(c.params.TaskId ?? '')).length;
}

describe('mass-failure circuit breaker', () => {
  it('trips on a shared-source outage, probes after the cool-down, and closes after recovery', async () => {
    h = await startRemediateHarness({
      env: {
        LIVEWATCH_BREAKER_THRESHOLD: '5',
        LIVEWATCH_BREAKER_WINDOW_S: '120',
        LIVEWATCH_BREAKER_COOLDOWN_S: '300',
      },
    });
    const shared = Array.from({ length: 6 }, (_, i) => `shared-${i}`);
    for (const id of shared) addRunningTask(id, HOST);
    addRunningTask('lonely-1', 'elsewhere.example.com');

    h.emulator.faults.failSource({ host: HOST });
    await h.advance(1_000);
    await handleEvents(
      h.deps,
      shared.map((id) => h.eventFor(id, 'recovering', { reason: 'PullStreamFailed' })),
    );
    expect((await h.store.breakers.get(`host:${HOST}`))?.value.state).toBe('open');
    // One dead origin explains these failures: the region's breaker stays closed.
    expect((await h.store.breakers.get('region:cn-shanghai'))?.value.state ?? 'closed').toBe('closed');
    expect(h.notifier.of('MassFailure')).toHaveLength(1);

    // The platform gives up on them (late under some readings): still no restart while the
    // breaker is open.
    await h.advanceUntil(
      () => shared.every((id) => h.emulator.task(id)?.status === 3),
      'shared tasks stopped',
    );
    const offline = await handleEvents(
      h.deps,
      shared.map((id) => h.eventFor(id, 'offline', { reason: 'PullStreamFailed' })),
    );
    expect(offline.outcomes.every((o) => o.action === 'paused')).toBe(true);
    expect(restartsOf(shared)).toBe(0);
    // A task of another source is not held back.
    h.emulator.setTaskStatus('lonely-1', 3, 'PushStreamFailed');
    await handleEvents(h.deps, [h.eventFor('lonely-1', 'offline')]);
    expect(restartsOf(['lonely-1'])).toBe(1);

    // Cool-down over, source still dead: exactly one probe restart, which fails → re-open.
    await h.advance(120_000);
    await runTick(h.deps);
    expect(restartsOf(shared)).toBe(1);
    expect((await h.store.breakers.get(`host:${HOST}`))?.value.state).toBe('half-open');
    await h.advance(30_000);
    const failedProbe = await runTick(h.deps);
    expect(failedProbe.probesSettled).toEqual([`host:${HOST}`]);
    expect((await h.store.breakers.get(`host:${HOST}`))?.value.state).toBe('open');
    expect(restartsOf(shared)).toBe(1);

    // The origin recovers: after the next cool-down one probe holds, the breaker closes, the rest restart.
    h.emulator.faults.recoverSource({ host: HOST });
    await h.advance(300_000);
    await runTick(h.deps);
    expect(restartsOf(shared)).toBe(2);
    await h.advance(30_000);
    await runTick(h.deps);
    expect((await h.store.breakers.get(`host:${HOST}`))?.value.state).toBe('closed');
    await h.advance(60_000);
    await runTick(h.deps);
    for (const id of shared) expect(h.emulator.task(id)?.status, id).toBe(1);
    expect(h.notifier.of('MassFailure')).toHaveLength(1);
    expect(h.notifier.of('MassFailure', 'resolved')).toHaveLength(1);
  });

  it('closes the breaker and resolves its alert when the group recovers without a probe', async () => {
    h = await startRemediateHarness({
      env: { LIVEWATCH_BREAKER_THRESHOLD: '3', LIVEWATCH_BREAKER_COOLDOWN_S: '300' },
    });
    const shared = ['blip-0', 'blip-1', 'blip-2'];
    for (const id of shared) addRunningTask(id, HOST);
    h.emulator.faults.failSource({ host: HOST });
    await h.advance(1_000);
    await handleEvents(
      h.deps,
      shared.map((id) => h.eventFor(id, 'recovering')),
    );
    expect((await h.store.breakers.get(`host:${HOST}`))?.value.state).toBe('open');

    // The origin is back within the platform's retry window: its retries (late under some
    // readings) bring every task back.
    const opened = h.clock.now();
    h.emulator.faults.recoverSource({ host: HOST });
    await h.advanceUntil(() => shared.every((id) => h.emulator.task(id)?.status === 1), 'blip tasks running');
    await handleEvents(
      h.deps,
      shared.map((id) => h.eventFor(id, 'running')),
    );
    await h.advanceTo(opened + 300_000);
    const tick = await runTick(h.deps);

    expect(tick.breakersClosedIdle).toEqual([`host:${HOST}`]);
    expect((await h.store.breakers.get(`host:${HOST}`))?.value.state).toBe('closed');
    expect(h.notifier.of('MassFailure', 'resolved')).toHaveLength(1);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);
  });
});

describe('mass-failure circuit breaker per region', () => {
  it('trips once for a region whose tasks of different sources fail together, and pauses their restarts', async () => {
    h = await startRemediateHarness({
      env: { LIVEWATCH_BREAKER_THRESHOLD: '5', LIVEWATCH_BREAKER_WINDOW_S: '120' },
    });
    const ids = Array.from({ length: 5 }, (_, i) => `region-${i}`);
    for (const id of ids) {
      addRunningTask(id, `origin-${id}.example.com`);
      h.emulator.setTaskStatus(id, 3, 'PushStreamFailed');
    }

    const report = await handleEvents(
      h.deps,
      ids.map((id) => h.eventFor(id, 'offline', { reason: 'PushStreamFailed' })),
    );

    expect((await h.store.breakers.get('region:cn-shanghai'))?.value.state).toBe('open');
    expect(report.outcomes.map((o) => o.action)).toEqual(ids.map(() => 'paused'));
    expect(restartsOf(ids)).toBe(0);
    expect(h.notifier.of('MassFailure')).toHaveLength(1);
  });
});
