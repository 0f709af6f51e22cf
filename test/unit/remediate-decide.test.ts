import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import type { RelayTask } from '../../lib/events/resources.js';
import { relayStatusOf } from '../../lib/events/states.js';
import { decide } from '../../lib/remediate/decide.js';
import { policyFromConfig } from '../../lib/remediate/remediation-policy.js';
import {
  applyFailureSeen,
  applyHealthy,
  applyRestartDone,
  createLedger,
} from '../../lib/remediate/restart-ledger.js';

const clock = new ManualClock(Date.UTC(2026, 0, 10, 12, 0, 0));
const policy = policyFromConfig(loadConfig({}));

function task(overrides: Partial<RelayTask> = {}): RelayTask {
  const state = overrides.state ?? 'offline';
  return {
    kind: 'relay',
    taskId: 'task-1',
    region: 'cn-shanghai',
    status: relayStatusOf(state),
    state,
    name: 'match-1',
    startTime: '2026-01-09T00:00:00Z',
    endTime: '2026-01-12T00:00:00Z',
    sourceType: 'live',
    sourceUrls: ['rtmp://origin.example.com/app/stream'],
    retryCount: 3,
    retryInterval: 60,
    ...(state === 'offline' ? { invalidReason: 'PullStreamFailed' } : {}),
    ...overrides,
  };
}

/** A stopped task (TaskStatus 3) showing no reason at all; `extra` adds fields. */
function bareStop(extra: Partial<RelayTask> = {}): RelayTask {
  const { invalidReason: _reason, ...rest } = task(extra);
  return rest;
}

const base = { policy, stateSince: clock.now(), ledger: undefined };

describe('decide', () => {
  it('restarts an offline task at once', () => {
    const decision = decide({ ...base, task: task(), now: clock.now() });
    expect(decision).toMatchObject({ kind: 'restart', attempt: 1, stopFirst: false });
  });

  it('reports a running task as healthy', () => {
    expect(decide({ ...base, task: task({ state: 'running' }), now: clock.now() })).toEqual({
      kind: 'healthy',
    });
  });

  it('never restarts a task stopped by the user (verified reason)', () => {
    const decision = decide({ ...base, task: task({ invalidReason: 'TriggerByUser' }), now: clock.now() });
    expect(decision).toMatchObject({ kind: 'skip', reason: 'user-stop' });
  });

  it('never restarts a task stopped by the user (event reason)', () => {
    const decision = decide({
      ...base,
      task: task({ invalidReason: 'UnknownError' }),
      eventReason: 'TriggerByUser',
      eventObservedAt: clock.now(),
      now: clock.now(),
    });
    expect(decision).toMatchObject({ kind: 'skip', reason: 'user-stop' });
  });

  it('does not take its own Stop for a user stop', () => {
    const ledger = { ...createLedger('task-1', 'cn-shanghai'), pendingRestartAt: clock.now() - 1_000 };
    const decision = decide({
      ...base,
      ledger,
      task: task(),
      eventReason: 'TriggerByUser',
      eventObservedAt: clock.now(),
      now: clock.now(),
    });
    expect(decision.kind).toBe('restart');
  });

  it('does not take the TriggerByUser left by its own Stop (VOD resume) for a user stop', () => {
    const ledger = { ...createLedger('task-1', 'cn-shanghai'), pendingRestartAt: clock.now() - 60_000 };
    const stopped = task({ invalidReason: 'TriggerByUser' });
    expect(decide({ ...base, ledger, task: stopped, now: clock.now() }).kind).toBe('restart');
    // Without a pending restart of ours, the same task state is a person's stop.
    expect(decide({ ...base, task: stopped, now: clock.now() })).toMatchObject({ reason: 'user-stop' });
  });

  it.each([
    ['before its StartTime', { startTime: '2026-01-11T00:00:00Z' }, 'before-start'],
    ['after its EndTime', { endTime: '2026-01-10T11:00:00Z' }, 'after-end'],
    ['exited', { state: 'exited' as const, exitReason: 'OverEndTime' }, 'exited'],
    ['idle', { state: 'idle' as const }, 'idle'],
    ['opted out by id', { taskId: 'keep-out' }, 'opted-out'],
    ['opted out by name', { name: 'manual-ops-7' }, 'opted-out'],
  ])('leaves a task alone when %s', (_label, overrides, reason) => {
    const optPolicy = policyFromConfig(
      loadConfig({ LIVEWATCH_OPT_OUT_IDS: 'keep-out', LIVEWATCH_OPT_OUT_NAME_PATTERN: '^manual-' }),
    );
    const decision = decide({ ...base, policy: optPolicy, task: task(overrides), now: clock.now() });
    expect(decision).toMatchObject({ kind: 'skip', reason });
  });

  it('takes TriggerByUser in either field on any stopped or unstarted status for a user stop', () => {
    for (const shape of [
      task({ invalidReason: 'TriggerByUser' }),
      bareStop({ exitReason: 'TriggerByUser' }),
      task({ state: 'recovering', invalidReason: 'TriggerByUser' }),
      task({ state: 'idle', exitReason: 'TriggerByUser' }),
    ]) {
      const decision = decide({ ...base, task: shape, now: clock.now() });
      expect(decision, JSON.stringify(shape)).toMatchObject({ kind: 'skip', reason: 'user-stop' });
    }
  });

  it('leaves a stopped task with no reason at all alone, unless LIVEWATCH_RESTART_UNEXPLAINED_STOPS', () => {
    const bare = bareStop();
    expect(decide({ ...base, task: bare, now: clock.now() })).toMatchObject({
      kind: 'skip',
      reason: 'no-reason-stop',
      detail: expect.stringContaining('LIVEWATCH_RESTART_UNEXPLAINED_STOPS'),
    });
    const restartThem = policyFromConfig(loadConfig({ LIVEWATCH_RESTART_UNEXPLAINED_STOPS: 'true' }));
    expect(decide({ ...base, policy: restartThem, task: bare, now: clock.now() }).kind).toBe('restart');
    // A person asking without --force is refused as for a user's stop; --force restarts it.
    expect(decide({ ...base, task: bare, now: clock.now(), manual: { force: false } })).toMatchObject({
      reason: 'no-reason-stop',
    });
    expect(decide({ ...base, task: bare, now: clock.now(), manual: { force: true } }).kind).toBe('restart');
  });

  it('restarts after its own Stop left no reason (the Restart of a resume failed)', () => {
    const ledger = { ...createLedger('task-1', 'cn-shanghai'), pendingRestartAt: clock.now() - 60_000 };
    const decision = decide({ ...base, ledger, task: bareStop(), now: clock.now() });
    expect(decision.kind).toBe('restart');
  });

  describe('after its own Restart answered OK (docs/alert.md, "User stops")', () => {
    const now = clock.now();
    const answered = {
      ...createLedger('task-1', 'cn-shanghai'),
      pendingRestartAt: now - 60_000,
      restartAnsweredAt: now - 59_000,
    };

    it.each([
      ['TriggerByUser in TaskInvalidReason', task({ invalidReason: 'TriggerByUser' }), 'user-stop'],
      [
        'TriggerByUser in TaskExitReason, exit after the answer',
        bareStop({ exitReason: 'TriggerByUser', exitTime: (now - 30_000) / 1000 }),
        'user-stop',
      ],
      [
        'TriggerByUser in TaskExitReason, no exit time',
        bareStop({ exitReason: 'TriggerByUser' }),
        'user-stop',
      ],
      ['no reason at all', bareStop(), 'no-reason-stop'],
    ])('a stop showing %s is a person’s, not ours', (_shape, stopped, reason) => {
      expect(decide({ ...base, ledger: answered, task: stopped, now })).toMatchObject({
        kind: 'skip',
        reason,
      });
    });

    it('a TriggerByUser the platform kept from before that Restart (its exit time is older) is ours', () => {
      const stale = task({ exitReason: 'TriggerByUser', exitTime: Math.floor((now - 61_000) / 1000) });
      expect(decide({ ...base, ledger: answered, task: stale, now }).kind).toBe('restart');
      // In the same second as the answer it cannot be told apart: taken for a person's.
      const sameSecond = task({ exitReason: 'TriggerByUser', exitTime: Math.floor((now - 59_000) / 1000) });
      expect(decide({ ...base, ledger: answered, task: sameSecond, now })).toMatchObject({
        reason: 'user-stop',
      });
    });

    it('a TriggerByUser callback more than 30 s after the answer is a person’s, even where the task shows no reason', () => {
      const restartThem = policyFromConfig(loadConfig({ LIVEWATCH_RESTART_UNEXPLAINED_STOPS: 'true' }));
      const late = {
        ...base,
        policy: restartThem,
        ledger: answered,
        task: bareStop(),
        now,
        eventReason: 'TriggerByUser',
      };
      expect(decide({ ...late, eventObservedAt: now - 59_000 + 31_000 })).toMatchObject({
        reason: 'user-stop',
      });
      // Our own Stop's callback, delivered late: ours.
      expect(decide({ ...late, eventObservedAt: now - 59_000 + 29_000 }).kind).toBe('restart');
    });
  });

  it('keeps a stop a TriggerByUser callback reported as a user stop until the task runs again', () => {
    const stopped = {
      ...createLedger('task-1', 'cn-shanghai'),
      deliberateStop: { cause: 'user' as const, at: clock.now() - 60_000 },
    };
    // A later look (the tick, the poller) has no event reason; the task shows a stale failure reason.
    expect(decide({ ...base, ledger: stopped, task: task(), now: clock.now() })).toMatchObject({
      kind: 'skip',
      reason: 'user-stop',
    });
    // Retrying again means someone started it: it is a failure now.
    const recovering = task({ state: 'recovering', invalidReason: 'PullStreamFailed' });
    expect(decide({ ...base, ledger: stopped, task: recovering, stateSince: 0, now: clock.now() }).kind).toBe(
      'restart',
    );
    // Seen running, the mark is gone.
    expect(applyHealthy(stopped, clock.now())).not.toHaveProperty('deliberateStop');
  });

  it('leaves a recovering task to the platform for RetryCount × RetryInterval plus the margin, then while its late last retry runs, up to twice the window', () => {
    const since = clock.now();
    const recovering = task({ state: 'recovering', retryCount: 2, retryInterval: 90 });
    const at = (now: number) => decide({ ...base, task: recovering, stateSince: since, now });
    // 2 × 90 s + LIVEWATCH_RECOVERING_MARGIN_S (30 s).
    expect(at(since + 209_000)).toMatchObject({
      kind: 'wait',
      reason: 'recovering-grace',
      until: since + 210_000,
    });
    // Still retrying after that: the last retry runs late. Wait for it to stop, looking again in 30 s.
    expect(at(since + 210_000)).toMatchObject({
      kind: 'wait',
      reason: 'recovering-grace',
      until: since + 240_000,
      detail: expect.stringContaining('running late'),
    });
    expect(at(since + 380_000)).toMatchObject({ kind: 'wait', until: since + 390_000 });
    // Twice the window plus the margin: stuck, restarted.
    expect(at(since + 390_000)).toMatchObject({ kind: 'restart', stopFirst: false });
    // Seen stopped at any point, it is restarted at once (the offline path).
    const stopped = task({ state: 'offline', invalidReason: 'PullStreamFailed' });
    expect(decide({ ...base, task: stopped, stateSince: since + 240_000, now: since + 240_000 }).kind).toBe(
      'restart',
    );
  });

  it('uses LIVEWATCH_RECOVERING_GRACE_S over the task retry settings, and LIVEWATCH_RECOVERING_MARGIN_S on top', () => {
    const graced = policyFromConfig(
      loadConfig({ LIVEWATCH_RECOVERING_GRACE_S: '30', LIVEWATCH_RECOVERING_MARGIN_S: '5' }),
    );
    const since = clock.now();
    const decision = decide({
      ...base,
      policy: graced,
      task: task({ state: 'recovering' }),
      stateSince: since,
      now: since + 10_000,
    });
    expect(decision).toMatchObject({ kind: 'wait', until: since + 35_000 });
  });

  it('backs off 10 s doubling to 5 min between restarts, with bounded jitter', () => {
    let ledger = createLedger('task-1', 'cn-shanghai');
    let now = clock.now();
    const gaps: number[] = [];
    for (let n = 0; n < 8; n += 1) {
      ledger = applyRestartDone(ledger, now, { ...policy, budget: 100 }, { ok: true });
      const next = ledger.nextAttemptAt ?? now;
      gaps.push(next - now);
      const early = decide({
        ...base,
        policy: { ...policy, budget: 100 },
        ledger,
        task: task(),
        now: next - 1,
      });
      expect(early).toMatchObject({ kind: 'wait', reason: 'backoff' });
      now = next;
    }
    const nominal = [10, 20, 40, 80, 160, 300, 300, 300].map((s) => s * 1000);
    gaps.forEach((gap, i) => {
      const n = nominal[i] ?? 0;
      expect(gap).toBeGreaterThanOrEqual(n * 0.9);
      expect(gap).toBeLessThanOrEqual(n * 1.1);
    });
  });

  it('resets the backoff after 10 min healthy', () => {
    let ledger = createLedger('task-1', 'cn-shanghai');
    const t0 = clock.now();
    ledger = applyRestartDone(ledger, t0, policy, { ok: true });
    ledger = applyRestartDone(ledger, t0 + 15_000, policy, { ok: true });
    ledger = applyHealthy(ledger, t0 + 20_000);
    // Failing again 5 min later: still backing off (consecutive 2 → about 20 s after the last restart).
    const soon = applyFailureSeen(ledger, t0 + 25_000, policy).ledger;
    expect(soon.consecutive).toBe(2);
    expect(decide({ ...base, ledger: soon, task: task(), now: t0 + 25_000 })).toMatchObject({ kind: 'wait' });
    // Failing after 10 min healthy: the series starts over with an immediate restart.
    const later = applyFailureSeen(ledger, t0 + 20_000 + 600_000, policy).ledger;
    expect(later.consecutive).toBe(0);
    expect(decide({ ...base, ledger: later, task: task(), now: t0 + 620_000 })).toMatchObject({
      kind: 'restart',
      attempt: 1,
    });
  });

  it('gives up when the budget of 5 restarts in 30 min is spent, then waits for a person', () => {
    let ledger = createLedger('task-1', 'cn-shanghai');
    let now = clock.now();
    for (let n = 0; n < 5; n += 1) {
      ledger = applyRestartDone(ledger, now, policy, { ok: true });
      now = ledger.nextAttemptAt ?? now;
    }
    expect(decide({ ...base, ledger, task: task(), now })).toMatchObject({
      kind: 'give-up',
      restartsInWindow: 5,
    });
    expect(decide({ ...base, ledger: { ...ledger, needsPerson: true }, task: task(), now })).toMatchObject({
      kind: 'skip',
      reason: 'needs-person',
    });
  });

  it('resumes a VOD task where it stopped', () => {
    const decision = decide({
      ...base,
      task: task({
        sourceType: 'vod',
        sourceUrls: ['vod-1', 'vod-2'],
        currentFileIndex: 2,
        currentOffset: 95.4,
      }),
      now: clock.now(),
    });
    expect(decision).toMatchObject({
      kind: 'restart',
      resume: { fileIndex: 2, offset: 95 },
      stopFirst: false,
    });
  });

  it('never sends Offset 0 and never leaves an old Offset or FileIndex behind (Offset "must be greater than 0")', () => {
    const vod = (extra: Partial<RelayTask>) =>
      decide({
        ...base,
        task: task({ sourceType: 'vod', sourceUrls: ['a', 'b', 'c'], ...extra }),
        now: clock.now(),
      });
    // File 2 at 0 s, the task never had an Offset: FileIndex only.
    expect(vod({ currentFileIndex: 2, currentOffset: 0 })).toMatchObject({
      resume: { fileIndex: 2, offset: 0 },
    });
    // File 2 at 0 s, an Offset 30 from an earlier resume is still configured: Offset 1 overrides it.
    expect(vod({ currentFileIndex: 2, currentOffset: 0, offset: 30, fileIndex: 0 })).toMatchObject({
      resume: { fileIndex: 2, offset: 1 },
    });
    // The very start, with an old FileIndex/Offset configured: file 0 is sent, so they do not apply.
    expect(vod({ currentFileIndex: 0, currentOffset: 0, fileIndex: 2 })).toMatchObject({
      resume: { fileIndex: 0, offset: 0 },
    });
    expect(vod({ offset: 30 })).toMatchObject({ resume: { fileIndex: 0, offset: 1 } });
    // Nothing known and nothing configured: a plain Restart.
    expect(vod({}).kind === 'restart' && vod({})).not.toHaveProperty('resume');
  });

  it('falls back to the last known position and stops a recovering url task first', () => {
    const decision = decide({
      ...base,
      task: task({ state: 'recovering', sourceType: 'url' }),
      stateSince: clock.now() - 3_600_000,
      lastKnown: { currentFileIndex: 1, currentOffset: 30 },
      now: clock.now(),
    });
    expect(decision).toMatchObject({
      kind: 'restart',
      resume: { fileIndex: 1, offset: 30 },
      stopFirst: true,
    });
  });

  it('only notifies when auto-restart is off', () => {
    const off = policyFromConfig(loadConfig({ LIVEWATCH_AUTO_RESTART: 'false' }));
    expect(decide({ ...base, policy: off, task: task(), now: clock.now() })).toMatchObject({
      kind: 'skip',
      reason: 'auto-restart-off',
    });
  });

  it('lets --force bypass backoff, budget and a user stop but not the time window', () => {
    let ledger = createLedger('task-1', 'cn-shanghai');
    for (let n = 0; n < 6; n += 1) ledger = applyRestartDone(ledger, clock.now(), policy, { ok: true });
    const manual = { force: true };
    expect(
      decide({ ...base, ledger, task: task({ invalidReason: 'TriggerByUser' }), manual, now: clock.now() }),
    ).toMatchObject({ kind: 'restart' });
    expect(
      decide({ ...base, task: task({ startTime: '2026-02-01T00:00:00Z' }), manual, now: clock.now() }),
    ).toMatchObject({ kind: 'skip', reason: 'before-start' });
    expect(
      decide({ ...base, task: task({ state: 'running' }), manual: { force: false }, now: clock.now() }),
    ).toMatchObject({ kind: 'skip', reason: 'running' });
  });
});
