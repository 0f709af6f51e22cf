import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import type { Notice } from '../../lib/notify/notice.js';
import { applyNotice, type GroupTimings, planGroupFlush } from '../../lib/notify/plan-group.js';
import type { NotificationGroup } from '../../lib/store/store.js';

const TIMINGS: GroupTimings = {
  groupWaitMs: 30_000,
  groupWaitCriticalMs: 0,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
  sendResolved: true,
};

function notice(id: string, overrides: Partial<Notice> = {}): Notice {
  return {
    id,
    status: 'firing',
    severity: 'warning',
    kind: 'relay',
    region: 'cn-shanghai',
    reason: 'PullStreamFailed',
    title: `relay ${id} offline`,
    text: 'details',
    at: 0,
    ...overrides,
  };
}

/** Applies notices in order, failing the test when one is a no-op. */
function apply(group: NotificationGroup | undefined, n: Notice, clock: ManualClock, timings = TIMINGS) {
  const next = applyNotice(group, n, 'slack', timings, clock.now());
  expect(next).toBeDefined();
  return next as NotificationGroup;
}

describe('grouping decisions', () => {
  it('starts a group with group_wait, or at once for critical', () => {
    const clock = new ManualClock();
    expect(apply(undefined, notice('a'), clock).nextFlushAt).toBe(clock.now() + 30_000);
    expect(apply(undefined, notice('a', { severity: 'critical' }), clock).nextFlushAt).toBe(clock.now());
  });

  it('uses the wording of a resolve when it has some', () => {
    const clock = new ManualClock();
    let group = apply(undefined, notice('a', { severity: 'critical' }), clock);
    group = planGroupFlush(group, 1, TIMINGS, clock.now()).next as NotificationGroup;
    group = apply(
      group,
      notice('a', { severity: 'critical', status: 'resolved', title: 'relay a running again' }),
      clock,
    );
    clock.advance(TIMINGS.groupIntervalMs);
    const plan = planGroupFlush(group, 2, TIMINGS, clock.now());
    expect(plan.summary?.resolved.map((alert) => alert.title)).toEqual(['relay a running again']);
    expect(plan.next).toBeUndefined();
  });

  it('ignores a resolve for an alert it never recorded', () => {
    expect(applyNotice(undefined, notice('a', { status: 'resolved' }), 'slack', TIMINGS, 0)).toBeUndefined();
  });

  it('drops an alert that resolved before it was ever sent (flap damping)', () => {
    const clock = new ManualClock();
    let group = apply(undefined, notice('a'), clock);
    group = apply(group, notice('a', { status: 'resolved' }), clock);
    clock.advance(30_000);
    expect(planGroupFlush(group, 2, TIMINGS, clock.now())).toEqual({});
  });

  it('sends the first notification, then waits for the repeat when nothing changed', () => {
    const clock = new ManualClock();
    const group = apply(undefined, notice('a', { severity: 'critical' }), clock);
    const first = planGroupFlush(group, 1, TIMINGS, clock.now());
    expect(first.summary?.firing.map((alert) => alert.id)).toEqual(['a']);
    expect(first.next?.nextFlushAt).toBe(clock.now() + TIMINGS.repeatIntervalMs);
    clock.advance(TIMINGS.repeatIntervalMs);
    const repeat = planGroupFlush(first.next as NotificationGroup, 2, TIMINGS, clock.now());
    expect(repeat.summary?.repeat).toBe(true);
  });

  it('brings a sent group forward to group_interval when a new alert fires', () => {
    const clock = new ManualClock();
    const sent = planGroupFlush(
      apply(undefined, notice('a', { severity: 'critical' }), clock),
      1,
      TIMINGS,
      clock.now(),
    ).next as NotificationGroup;
    clock.advance(60_000);
    const updated = apply(sent, notice('b', { severity: 'critical' }), clock);
    expect(updated.nextFlushAt).toBe((sent.lastSentAt as number) + TIMINGS.groupIntervalMs);
    // A refresh of an alert already firing is not a change.
    const refreshed = apply(sent, notice('a', { severity: 'critical', text: 'new words' }), clock);
    expect(refreshed.nextFlushAt).toBe(sent.nextFlushAt);
  });

  it('with send_resolved off, drops resolved alerts silently and deletes the empty group', () => {
    const clock = new ManualClock();
    const timings = { ...TIMINGS, sendResolved: false };
    const sent = planGroupFlush(
      apply(undefined, notice('a', { severity: 'critical' }), clock, timings),
      1,
      timings,
      0,
    ).next as NotificationGroup;
    const resolved = apply(sent, notice('a', { severity: 'critical', status: 'resolved' }), clock, timings);
    clock.advance(TIMINGS.groupIntervalMs);
    expect(planGroupFlush(resolved, 2, timings, clock.now())).toEqual({});
  });

  it('gives the same message id to two flushers of the same group version', () => {
    const clock = new ManualClock();
    const group = apply(undefined, notice('a', { severity: 'critical' }), clock);
    expect(planGroupFlush(group, 1, TIMINGS, clock.now()).messageId).toBe(
      planGroupFlush(group, 1, TIMINGS, clock.now()).messageId,
    );
    expect(planGroupFlush(group, 1, TIMINGS, clock.now()).messageId).not.toBe(
      planGroupFlush(group, 2, TIMINGS, clock.now()).messageId,
    );
  });

  it('sends info notices once and then deletes the group', () => {
    const clock = new ManualClock();
    const group = apply(undefined, notice('r', { severity: 'info', reason: 'Restarted' }), clock);
    clock.advance(30_000);
    const plan = planGroupFlush(group, 1, TIMINGS, clock.now());
    expect(plan.summary?.firing).toHaveLength(1);
    expect(plan.next).toBeUndefined();
  });

  it('redacts secrets in notice text before storing them', () => {
    const group = applyNotice(
      undefined,
      notice('a', { text: 'rtmp://h/live/s?auth_key=1700000000-0-0-deadbeefcafe' }),
      'slack',
      TIMINGS,
      0,
    );
    expect(JSON.stringify(group)).not.toContain('deadbeefcafe');
  });
});
