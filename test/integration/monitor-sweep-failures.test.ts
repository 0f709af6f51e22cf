import { afterEach, describe, expect, it } from 'vitest';
import { resourceKey } from '../../lib/events/resources.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { MAX_ASYNC_PAYLOAD_BYTES } from '../../lib/ports/invoker.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';

/**
 * A call failing at rate 1 gives up at its 2 s deadline, so a test waits for it once per failing
 * scope. The same 2 s bounds a healthy attempt: a bound on correctness (an answer that never comes),
 * not on speed — a loopback answer takes milliseconds, and even on a loaded machine, where the
 * emulator shares this process's event loop with the sweep, it stays far inside it. (200 ms was a
 * speed bound: a healthy page timed out under load and the sweep reported a false failure.)
 */
const FAST_FAIL = { LIVEWATCH_API_TIMEOUT_MS: '2000', LIVEWATCH_API_DEADLINE_MS: '2000' };

describe('runSweep under failures: reported, never a false event', () => {
  let h: MonitorHarness;
  afterEach(async () => {
    await h.close();
  });

  it('reports an API failure mid-sweep, emits no false "gone", and goes on with the other scopes', async () => {
    h = await startMonitorHarness({ env: FAST_FAIL });
    for (let index = 0; index < 250; index += 1) h.emulator.addTask({});
    const record = h.emulator.addRecordJob({ status: 'started' });
    await runSweep(h.deps);
    await runSweep(h.deps, { budgetPages: 1 });
    expect((await h.store.getSweepCursor())?.page).toBe(2);
    const gone = h.emulator.tasks().at(-1)?.taskId ?? '';
    await h.client.deleteRelayTask({ region: 'cn-shanghai', taskId: gone });
    h.emulator.removeJob(record.jobId);

    // The continuation of the relay pass fails: its pass is void. The record scope still lists.
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'DescribeLivePullToPushList' });
    const failed = await runSweep(h.deps);
    expect(failed.scopes[0]).toMatchObject({ scope: 'relay:cn-shanghai', listed: false, concluded: false });
    expect(failed.scopes[0]?.error).toMatch(/InternalError|500/);
    expect(failed.errors).toContainEqual(
      expect.objectContaining({ scope: 'relay:cn-shanghai', operation: 'list' }),
    );
    expect(failed.events.map((event) => event.resource.id)).toEqual([record.jobId]);
    expect(failed.apiCalls.failures).toBeGreaterThan(0);
    const heartbeat = await h.store.getHeartbeat();
    expect(heartbeat?.lastError).toMatch(/relay:cn-shanghai/);
    expect(heartbeat?.complete).toBe(false);
    const snapshot = await h.store.snapshots.get(
      resourceKey({ kind: 'relay', region: 'cn-shanghai', id: gone }),
    );
    expect(snapshot?.value.resource.state).toBe('running');

    h.emulator.faults.clear();
    const recovered = await runSweep(h.deps);
    expect(recovered.errors).toEqual([]);
    expect(recovered.events.map((event) => [event.resource.id, event.trigger, event.state])).toEqual([
      [gone, 'disappeared', 'exited'],
    ]);
    expect((await h.store.getHeartbeat())?.lastError).toBeUndefined();
  });

  it('keeps the last success time when no listing succeeded at all', async () => {
    h = await startMonitorHarness({ env: FAST_FAIL });
    h.emulator.addTask({});
    const good = await runSweep(h.deps);
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1 });
    await h.advance(60_000);
    const bad = await runSweep(h.deps);
    expect(bad.errors.map((error) => error.scope)).toEqual([
      'relay:cn-shanghai',
      'record:cn-shanghai',
      'transcode:cn-shanghai',
    ]);
    const heartbeat = await h.store.getHeartbeat();
    expect(heartbeat?.lastSuccessAt).toBe(good.finishedAt);
    expect(heartbeat?.lastError).toMatch(/list relay:cn-shanghai/);
    expect(bad.events).toEqual([]);
  });

  it('undoes the snapshot when the alert function cannot be invoked, so the next sweep reports it again', async () => {
    h = await startMonitorHarness();
    const task = h.emulator.addTask({});
    await runSweep(h.deps);
    h.emulator.faults.failSource({ taskId: task.taskId });
    await h.advance(1_000);

    h.invoker.failing = true;
    const failed = await runSweep(h.deps);
    expect(failed.events).toEqual([]);
    expect(failed.errors).toContainEqual(expect.objectContaining({ operation: 'invoke' }));
    const key = resourceKey({ kind: 'relay', region: 'cn-shanghai', id: task.taskId });
    expect((await h.store.snapshots.get(key))?.value.resource.state).toBe('running');

    h.invoker.failing = false;
    await h.advance(1_000);
    const retried = await runSweep(h.deps);
    expect(retried.events.map((event) => `${event.previousState}>${event.state}`)).toEqual([
      'running>recovering',
    ]);
    await runSweep(h.deps);
    expect(h.invoker.events()).toHaveLength(1);
  });

  it('keeps every invocation within 128 KB when many tasks fail at once', async () => {
    h = await startMonitorHarness();
    for (let index = 0; index < 600; index += 1) {
      h.emulator.addTask({
        taskName: `直播转推-${index}`,
        sourceType: 'url',
        sourceUrls: Array.from(
          { length: 30 },
          (_, file) =>
            `https://vod.example.com/library/season-${index}/episode-${file}/video-1080p-h264-aac.mp4`,
        ),
        status: 3,
        invalidReason: 'PullStreamFailed',
      });
    }
    const report = await runSweep(h.deps);
    expect(report.events).toHaveLength(600);
    // Six pages of 100 events, each page's events well above 128 KB: every page is split.
    expect(h.invoker.calls.length).toBeGreaterThanOrEqual(18);
    for (const call of h.invoker.calls) {
      expect(call.bytes).toBeLessThanOrEqual(MAX_ASYNC_PAYLOAD_BYTES);
      expect(call.functionName).toBe('livewatch-alert');
    }
    expect(new Set(h.invoker.events().map((event) => event.key)).size).toBe(600);
    expect(new Set(h.invoker.calls.map((call) => call.taskId)).size).toBe(h.invoker.calls.length);
  });
});
