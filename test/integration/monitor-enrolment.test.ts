import { afterEach, describe, expect, it } from 'vitest';
import { buildCallbackUrl } from '../../lib/callback/callback-url.js';
import { resourceKey } from '../../lib/events/resources.js';
import { silentLogger } from '../../lib/log.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';
import { RecordingNotifier } from '../support/remediate-harness.js';

const BASE = 'https://livewatch.cn-shanghai.fcapp.run';
const CURRENT = 'current-token-0123456789';
const PREVIOUS = 'previous-token-0123456789';
const FOREIGN = 'https://owner.example.com/hooks/live?secret=owner-secret-value';

function enrolEnv(mode: string): Record<string, string> {
  return {
    LIVEWATCH_CALLBACK_BASE_URL: BASE,
    LIVEWATCH_CALLBACK_TOKENS: `${CURRENT},${PREVIOUS}`,
    LIVEWATCH_ENROL: mode,
  };
}

describe('enrolment of callback URLs during a sweep', () => {
  let h: MonitorHarness;
  afterEach(async () => {
    await h.close();
  });

  async function setup(mode: string) {
    h = await startMonitorHarness({ env: enrolEnv(mode) });
    return {
      none: h.emulator.addTask({}),
      ours: h.emulator.addTask({ callbackUrl: `${BASE}/callback/${PREVIOUS}?region=cn-shanghai` }),
      stale: h.emulator.addTask({ callbackUrl: `${BASE}/callback/rotated-out-token-0123456789` }),
      foreign: h.emulator.addTask({ callbackUrl: FOREIGN }),
      exited: h.emulator.addTask({ status: -1 }),
    };
  }

  const updates = () => h.emulator.requests.filter((request) => request.action === 'UpdateLivePullToPush');

  it('gives tasks without a URL (or with a rotated-out token) livewatch’s URL, with only Region, TaskId and CallbackUrl', async () => {
    const tasks = await setup('missing');
    const report = await runSweep(h.deps);
    const expected = buildCallbackUrl(h.config, 'cn-shanghai');
    expect(expected).toBe(`${BASE}/callback/${CURRENT}?region=cn-shanghai`);
    expect(
      updates()
        .map((request) => request.params.TaskId)
        .sort(),
    ).toEqual([tasks.none.taskId, tasks.stale.taskId].sort());
    for (const request of updates()) {
      expect(Object.keys(request.params).sort()).toEqual(['CallbackUrl', 'Region', 'TaskId']);
      expect(request.params.CallbackUrl).toBe(expected);
    }
    expect(h.emulator.task(tasks.none.taskId)?.callbackUrl).toBe(expected);
    expect(h.emulator.task(tasks.foreign.taskId)?.callbackUrl).toBe(FOREIGN);
    expect(h.emulator.task(tasks.ours.taskId)?.callbackUrl).toContain(PREVIOUS);
    expect(report.enrolments.filter((enrolment) => enrolment.ok)).toHaveLength(2);
    const history = await h.store.getHistory(
      resourceKey({ kind: 'relay', region: 'cn-shanghai', id: tasks.none.taskId }),
    );
    expect(history[0]).toMatchObject({ type: 'enrolled', data: { action: 'enrol', previous: 'none' } });

    await runSweep(h.deps);
    expect(updates()).toHaveLength(2);
    expect(await h.store.forwards.list()).toEqual([]);
  });

  it('takes over another receiver’s URL only in takeover mode, storing the original to forward to', async () => {
    const tasks = await setup('takeover');
    const report = await runSweep(h.deps);
    const key = resourceKey({ kind: 'relay', region: 'cn-shanghai', id: tasks.foreign.taskId });
    expect((await h.store.forwards.get(key))?.value).toMatchObject({
      originalUrl: FOREIGN,
      since: h.clock.now(),
    });
    expect(h.emulator.task(tasks.foreign.taskId)?.callbackUrl).toBe(
      buildCallbackUrl(h.config, 'cn-shanghai'),
    );
    expect(report.enrolments.map((enrolment) => enrolment.action).sort()).toEqual([
      'enrol',
      'enrol',
      'takeover',
    ]);
    const [entry] = await h.store.getHistory(key);
    expect(entry).toMatchObject({
      type: 'enrolled',
      data: { action: 'takeover', previous: 'owner.example.com' },
    });
    // The owner's secret stays out of history.
    expect(JSON.stringify(entry)).not.toContain('owner-secret-value');
    expect(updates().map((request) => request.params.TaskId)).not.toContain(tasks.ours.taskId);
    expect(updates().map((request) => request.params.TaskId)).not.toContain(tasks.exited.taskId);
  });

  it('drops a taken-over task’s original URL with its final snapshot, a week after it exited', async () => {
    const tasks = await setup('takeover');
    await runSweep(h.deps);
    const key = resourceKey({ kind: 'relay', region: 'cn-shanghai', id: tasks.foreign.taskId });
    expect(await h.store.forwards.get(key)).toBeDefined();

    await h.client.deleteRelayTask({ region: 'cn-shanghai', taskId: tasks.foreign.taskId });
    await h.advance(1_000);
    await runSweep(h.deps);
    expect((await h.store.snapshots.get(key))?.value.resource.state).toBe('exited');
    // Callbacks of a task that just exited may still arrive: the original keeps receiving them.
    expect(await h.store.forwards.get(key)).toBeDefined();

    await h.advance(7 * 24 * 3_600_000 + 60_000);
    const later = await runSweep(h.deps);
    expect(later.errors).toEqual([]);
    expect(await h.store.snapshots.get(key)).toBeUndefined();
    expect(await h.store.forwards.get(key)).toBeUndefined();
  });

  it('hands the notifier one info notice per enrolment, naming no URL', async () => {
    const tasks = await setup('takeover');
    const { config, store, clock } = h;
    const notifier = new RecordingNotifier(createNotifier({ config, store, clock, log: silentLogger }));
    await runSweep({ ...h.deps, notifier });

    expect(notifier.notices.map((notice) => [notice.resource?.id, notice.reason]).sort()).toEqual(
      [
        [tasks.none.taskId, 'Enrolled'],
        [tasks.stale.taskId, 'Enrolled'],
        [tasks.foreign.taskId, 'TakenOver'],
      ].sort(),
    );
    for (const notice of notifier.notices) {
      expect(notice).toMatchObject({
        severity: 'info',
        status: 'firing',
        kind: 'relay',
        region: 'cn-shanghai',
      });
      expect(JSON.stringify(notice)).not.toMatch(/current-token|owner-secret|https?:/);
    }

    // Nothing new to enrol on the next sweep: nothing new to tell.
    await runSweep({ ...h.deps, notifier });
    expect(notifier.notices).toHaveLength(3);
  });

  it('changes nothing when enrolment is off', async () => {
    await setup('off');
    const report = await runSweep(h.deps);
    expect(updates()).toEqual([]);
    expect(report.enrolments).toEqual([]);
  });

  it('re-enrols a region-less livewatch URL on a task outside the default region, with its region', async () => {
    h = await startMonitorHarness({
      env: { ...enrolEnv('missing'), LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing' },
    });
    const bare = `${BASE}/callback/${CURRENT}`;
    const home = h.emulator.addTask({ region: 'cn-shanghai', callbackUrl: bare });
    const away = h.emulator.addTask({ region: 'cn-beijing', callbackUrl: bare });

    await runSweep(h.deps);

    expect(updates().map((request) => request.params.TaskId)).toEqual([away.taskId]);
    expect(h.emulator.task(away.taskId)?.callbackUrl).toBe(buildCallbackUrl(h.config, 'cn-beijing'));
    expect(h.emulator.task(home.taskId)?.callbackUrl).toBe(bare);
  });

  it('enrols nothing under LIVEWATCH_DRY_RUN, which promises no mutating call', async () => {
    h = await startMonitorHarness({ env: { ...enrolEnv('takeover'), LIVEWATCH_DRY_RUN: 'true' } });
    const task = h.emulator.addTask({ callbackUrl: FOREIGN });
    h.emulator.addTask({});
    const report = await runSweep(h.deps);
    expect(updates()).toEqual([]);
    expect(report.enrolments).toEqual([]);
    expect(h.emulator.task(task.taskId)?.callbackUrl).toBe(FOREIGN);
    expect(await h.store.forwards.list()).toEqual([]);
  });

  it('enrols at most LIVEWATCH_ENROL_MAX_PER_SWEEP tasks per sweep and the rest on later sweeps', async () => {
    h = await startMonitorHarness({ env: { ...enrolEnv('missing'), LIVEWATCH_ENROL_MAX_PER_SWEEP: '3' } });
    for (let index = 0; index < 7; index += 1) h.emulator.addTask({});
    const first = await runSweep(h.deps);
    expect(first.enrolments).toHaveLength(3);
    expect(first.enrolmentsDeferred).toBe(4);
    await runSweep(h.deps);
    await runSweep(h.deps);
    expect(updates()).toHaveLength(7);
    expect(new Set(updates().map((request) => request.params.TaskId)).size).toBe(7);
  });

  it('reports an enrolment the API refuses and goes on', async () => {
    h = await startMonitorHarness({
      env: { ...enrolEnv('missing'), LIVEWATCH_API_TIMEOUT_MS: '200', LIVEWATCH_API_DEADLINE_MS: '400' },
    });
    const task = h.emulator.addTask({});
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'UpdateLivePullToPush' });
    const report = await runSweep(h.deps);
    expect(report.enrolments).toEqual([expect.objectContaining({ taskId: task.taskId, ok: false })]);
    expect(report.errors).toContainEqual(expect.objectContaining({ operation: 'enrol', id: task.taskId }));
    expect(report.tasks.relay.running).toBe(1);
  });
});
