import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { type MonitorHarness, startMonitorHarness } from '../support/monitor-harness.js';
import { seenIdsOfCursor } from '../support/sweep-seen.js';

describe('runSweep within a budget: continuation from the cursor', () => {
  let h: MonitorHarness;

  beforeEach(async () => {
    h = await startMonitorHarness();
    for (let index = 0; index < 250; index += 1) h.emulator.addTask({ taskName: `task-${index}` });
    h.emulator.addRecordJob({ status: 'started' });
    h.emulator.addTranscodeJob({ status: 1 });
  });
  afterEach(async () => {
    await h.close();
  });

  it('stops at its budget, leaves a cursor, and the next sweep continues there and wraps around', async () => {
    const first = await runSweep(h.deps, { budgetPages: 2 });
    expect(first.complete).toBe(false);
    expect(first.continuedFrom).toBeUndefined();
    expect(first.leftAt).toEqual({ scope: 'relay:cn-shanghai', page: 3 });
    expect(first.scopes).toEqual([
      expect.objectContaining({
        scope: 'relay:cn-shanghai',
        pages: 2,
        items: 200,
        listed: false,
        concluded: false,
      }),
    ]);
    const cursor = await h.store.getSweepCursor();
    expect(cursor).toMatchObject({ scope: 'relay:cn-shanghai', page: 3 });
    expect(await seenIdsOfCursor(h.store, 'relay:cn-shanghai:')).toHaveLength(200);
    expect((await h.store.getHeartbeat())?.complete).toBe(false);

    const second = await runSweep(h.deps, { budgetPages: 2 });
    expect(second.continuedFrom).toEqual({ scope: 'relay:cn-shanghai', page: 3 });
    expect(second.scopes.map((scope) => [scope.scope, scope.fromPage, scope.items, scope.concluded])).toEqual(
      [
        ['relay:cn-shanghai', 3, 50, true],
        ['record:cn-shanghai', 1, 1, true],
      ],
    );
    expect(second.leftAt).toEqual({ scope: 'transcode:cn-shanghai', page: 1 });

    const third = await runSweep(h.deps, { budgetPages: 2 });
    expect(third.continuedFrom).toEqual({ scope: 'transcode:cn-shanghai', page: 1 });
    expect(third.complete).toBe(false);
    expect(third.scopes.map((scope) => scope.scope)).toEqual(['transcode:cn-shanghai', 'relay:cn-shanghai']);
    expect(third.leftAt).toEqual({ scope: 'relay:cn-shanghai', page: 2 });

    // A sweep continuing at a scope's first page that gets through everything is complete.
    expect((await runSweep(h.deps, { budgetPages: 2 })).leftAt).toEqual({
      scope: 'record:cn-shanghai',
      page: 1,
    });
    const whole = await runSweep(h.deps);
    expect(whole.continuedFrom).toEqual({ scope: 'record:cn-shanghai', page: 1 });
    expect(whole.scopes.map((scope) => scope.scope)).toEqual([
      'record:cn-shanghai',
      'transcode:cn-shanghai',
      'relay:cn-shanghai',
    ]);
    expect(whole.complete).toBe(true);

    // Every task was seen once per pass: 250 first-sight snapshots, no events (all healthy).
    expect(await h.store.snapshots.list('relay:cn-shanghai:')).toHaveLength(250);
    expect(h.invoker.events()).toEqual([]);
  });

  it('concludes disappearance only at the end of a pass spanning ticks, and never for what it saw', async () => {
    await runSweep(h.deps);
    await runSweep(h.deps, { budgetPages: 2 });
    const seen = new Set(await seenIdsOfCursor(h.store, 'relay:cn-shanghai:'));
    const seenEarlier = [...seen][0] ?? '';
    const notYetSeen = h.emulator.tasks().find((task) => !seen.has(task.taskId))?.taskId ?? '';
    // Deleting a task on an early page shifts every later task up one place: one of them moves
    // onto a page already listed and is missed by this pass, without being gone.
    await h.client.deleteRelayTask({ region: 'cn-shanghai', taskId: seenEarlier });
    await h.client.deleteRelayTask({ region: 'cn-shanghai', taskId: notYetSeen });

    const end = await runSweep(h.deps, { budgetPages: 3 });
    expect(end.scopes[0]).toMatchObject({ scope: 'relay:cn-shanghai', concluded: true, disappeared: 1 });
    expect(end.events.map((event) => [event.resource.id, event.trigger, event.state])).toEqual([
      [notYetSeen, 'disappeared', 'exited'],
    ]);
    // Two confirmations: the deleted task, and the one that slid onto an earlier page (alive: no event).
    expect(end.apiCalls.byAction.DescribeLivePullToPush).toBe(2);
    expect(await h.store.getSweepCursor()).toBeUndefined();

    const next = await runSweep(h.deps);
    expect(next.complete).toBe(true);
    expect(next.events.map((event) => [event.resource.id, event.trigger])).toEqual([
      [seenEarlier, 'disappeared'],
    ]);
    expect((await runSweep(h.deps)).events).toEqual([]);
  });

  it('lets only one of two overlapping sweeps run', async () => {
    const [a, b] = await Promise.all([runSweep(h.deps), runSweep(h.deps)]);
    const skipped = [a, b].filter((report) => report.skipped !== undefined);
    expect(skipped).toHaveLength(1);
    expect([a, b].find((report) => report.skipped === undefined)?.tasks.relay.running).toBe(250);
    expect((await runSweep(h.deps)).skipped).toBeUndefined();
  });

  it('stops on a time budget too, listing every page it had requested (ManualClock moved by the progress callback)', async () => {
    for (let index = 250; index < 2_500; index += 1) h.emulator.addTask({ taskName: `task-${index}` });
    const report = await runSweep(h.deps, {
      budgetMs: 5_000,
      onProgress: (progress) => {
        if (progress.page === 1) h.clock.advance(6_000);
      },
    });
    const relay = report.scopes[0];
    // Pages already started when the budget ran out are listed, not dropped; nothing more is asked.
    expect(relay).toMatchObject({ scope: 'relay:cn-shanghai', listed: false, concluded: false });
    expect(relay?.pages).toBeLessThan(25);
    expect(report.apiCalls.byAction.DescribeLivePullToPushList).toBe(relay?.pages);
    expect(report.leftAt).toEqual({ scope: 'relay:cn-shanghai', page: (relay?.pages ?? 0) + 1 });
    expect(report.durationMs).toBe(6_000);
  });

  it('ends a tick at the next scope when every page of the current one was already requested', async () => {
    const report = await runSweep(h.deps, {
      budgetMs: 5_000,
      onProgress: (progress) => {
        if (progress.page === 1) h.clock.advance(6_000);
      },
    });
    expect(report.scopes).toEqual([
      expect.objectContaining({ scope: 'relay:cn-shanghai', pages: 3, listed: true, concluded: true }),
    ]);
    expect(report.apiCalls.byAction.DescribeLivePullToPushList).toBe(3);
    expect(report.leftAt).toEqual({ scope: 'record:cn-shanghai', page: 1 });
  });
});
