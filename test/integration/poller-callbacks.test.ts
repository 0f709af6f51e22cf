import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleCallbackRequest } from '../../lib/callback/handle-callback-request.js';
import { silentLogger } from '../../lib/log.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { type MonitorHarness, RecordingInvoker, startMonitorHarness } from '../support/monitor-harness.js';
import { type LoopbackServer, startCoreServer, startRecordingReceiver } from '../support/monitor-http.js';

const TOKEN = 'poller-callback-token-0123456789';

/**
 * The poller beside the real callback receiver (lib/callback over loopback HTTP): callbacks from the
 * emulator reach livewatch, which records them; the sweep must not report those transitions again,
 * must catch the ones whose callbacks were lost, and a taken-over task's callbacks reach its owner.
 */
describe('poller and callbacks together', () => {
  let h: MonitorHarness;
  let receiver: LoopbackServer;
  let owner: LoopbackServer;
  const callbackInvoker = new RecordingInvoker();

  beforeEach(async () => {
    callbackInvoker.clear();
    owner = await startRecordingReceiver();
    let harness: MonitorHarness | undefined;
    receiver = await startCoreServer(() => (request) => {
      if (harness === undefined) throw new Error('harness not ready');
      const { config, store, clock } = harness;
      return handleCallbackRequest(
        { config, store, clock, invoker: callbackInvoker, log: silentLogger },
        request,
      );
    });
    harness = await startMonitorHarness({
      callbacks: { baseUrl: receiver.url, token: TOKEN, enrol: 'takeover' },
    });
    h = harness;
  });
  afterEach(async () => {
    await h.close();
    await receiver.close();
    await owner.close();
  });

  it('does not report again what a callback reported, and forwards a taken-over task’s callbacks to its owner', async () => {
    const task = h.emulator.addTask({ callbackUrl: `${owner.url}/hooks/live?secret=owner-secret` });
    const enrolled = await runSweep(h.deps);
    expect(enrolled.enrolments).toEqual([expect.objectContaining({ action: 'takeover', ok: true })]);

    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.advance(1_000);
    // The callback reached livewatch (and was handed to the alert function) …
    expect(callbackInvoker.events().map((event) => [event.source, event.state])).toEqual([
      ['callback', 'recovering'],
    ]);
    // … and its raw body was forwarded to the owner's receiver, path and query intact.
    expect(owner.received).toHaveLength(1);
    expect(owner.received[0]).toMatchObject({ path: '/hooks/live', query: '?secret=owner-secret' });
    expect(JSON.parse(owner.received[0]?.body ?? '{}')).toMatchObject({ TaskId: task.taskId });

    h.invoker.clear();
    const report = await runSweep(h.deps);
    expect(report.events).toEqual([]);
    expect(h.invoker.events()).toEqual([]);
  });

  it('catches a transition whose callback was lost on the next sweep', async () => {
    const task = h.emulator.addTask({ retryCount: 1, retryInterval: 60 });
    await runSweep(h.deps);
    expect(h.emulator.task(task.taskId)?.callbackUrl).toContain(receiver.url);

    h.emulator.faults.setCallbacks({ drop: 1 });
    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.advance(61_000);
    expect(h.emulator.task(task.taskId)?.status).toBe(3);
    expect(callbackInvoker.calls).toEqual([]);

    const report = await runSweep(h.deps);
    expect(report.events.map((event) => [event.source, event.previousState, event.state])).toEqual([
      ['poll', 'running', 'offline'],
    ]);
    expect((await runSweep(h.deps)).events).toEqual([]);
  });

  it('a callback dated years ahead does not hide the task: its real failure is reported like a task without one', async () => {
    const forged = h.emulator.addTask({ retryCount: 1, retryInterval: 60 });
    const plain = h.emulator.addTask({ retryCount: 1, retryInterval: 60 });
    await runSweep(h.deps);
    const url = h.emulator.task(forged.taskId)?.callbackUrl ?? '';
    expect(url).toContain(receiver.url);

    // A forged "running" callback claiming the year 2200.
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Event: 'LivePullToPushRunning',
        EventTime: String(Math.floor(Date.UTC(2200, 0, 1) / 1000)),
        TaskId: forged.taskId,
        TaskStatus: '1',
        TaskInfo: { TaskName: 'forged' },
      }),
    });
    expect(answer.status).toBe(200);
    const stored = await h.store.snapshots.get(
      `relay:${h.emulator.task(forged.taskId)?.region}:${forged.taskId}`,
    );
    expect(stored?.value.observedAt).toBeLessThanOrEqual(h.clock.now());

    // Both fail for real; their callbacks are lost, so only the poller can see it.
    h.emulator.faults.setCallbacks({ drop: 2 });
    h.emulator.faults.failSource({ taskId: forged.taskId });
    h.emulator.faults.failSource({ taskId: plain.taskId });
    await h.advance(61_000);
    const report = await runSweep(h.deps);
    expect(
      report.events
        .map((event) => [event.resource.id, event.state])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual(
      [
        [forged.taskId, 'offline'],
        [plain.taskId, 'offline'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });
});
