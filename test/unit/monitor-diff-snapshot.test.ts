import { describe, expect, it } from 'vitest';
import type { Resource } from '../../lib/events/resources.js';
import { TaskEventSchema } from '../../lib/events/task-event.js';
import { STUCK_REASONS } from '../../lib/monitor/detect-stuck.js';
import {
  diffSnapshot,
  disappearanceOf,
  goneResourceOf,
  pollObservedAt,
} from '../../lib/monitor/diff-snapshot.js';
import type { StoredSnapshot } from '../../lib/store/store.js';
import { defined } from '../support/defined.js';
import { recordJob, relayTask, STUCK_POLICY, transcodeJob } from '../support/monitor-resources.js';

const T0 = Date.UTC(2026, 0, 1);
const policy = STUCK_POLICY;

/** A snapshot as a sweep at T0 wrote it. */
function stored(snapshot: Partial<StoredSnapshot> & Pick<StoredSnapshot, 'resource'>): StoredSnapshot {
  return { observedAt: pollObservedAt(T0), stateSince: T0, ...snapshot };
}

/**
 * `task`, stored as it is since T0: nothing to report 1 s before `dueAt`, stuck events at `dueAt`
 * (returned with the snapshot to write), and nothing at all at `laterAt` — it is reported once.
 */
function reportedOnceAt(task: Resource, dueAt: number, laterAt: number) {
  const previous = stored({ resource: task, stateSince: T0 });
  expect(diffSnapshot(previous, task, dueAt - 1_000, policy).events).toEqual([]);
  const { events, next } = diffSnapshot(previous, task, dueAt, policy);
  const written = defined(next, 'a snapshot to write');
  expect(diffSnapshot(written, task, laterAt, policy)).toEqual({ next: undefined, events: [] });
  return { events, next: written };
}

describe('diffSnapshot', () => {
  it('reports a change over a snapshot that claims to be from the future (a forged EventTime stored before it was bounded)', () => {
    const previous = stored({
      resource: relayTask({ taskId: 't1', status: 1 }),
      observedAt: Date.UTC(2200, 0, 1),
    });
    const result = diffSnapshot(previous, relayTask({ taskId: 't1', status: 3 }), T0, policy);
    expect(result.events.map((event) => [event.previousState, event.state])).toEqual([
      ['running', 'offline'],
    ]);
    expect(result.next?.observedAt).toBeLessThanOrEqual(T0);
  });

  it('still leaves a snapshot written this second by someone else alone', () => {
    const previous = stored({ resource: relayTask({ taskId: 't1', status: 1 }), observedAt: T0 + 2_000 });
    expect(diffSnapshot(previous, relayTask({ taskId: 't1', status: 3 }), T0, policy)).toEqual({
      next: undefined,
      events: [],
    });
  });

  it('stores a healthy task on first sight without an event', () => {
    const result = diffSnapshot(undefined, relayTask({ taskId: 't1', status: 1 }), T0, policy);
    expect(result.events).toEqual([]);
    expect(result.next).toMatchObject({ observedAt: T0 - 1, stateSince: T0, resource: { taskId: 't1' } });
  });

  it('reports a task first seen unhealthy, with its reason and a valid event shape', () => {
    const task = relayTask({ taskId: 't1', status: 3, invalidReason: 'PullStreamFailed' });
    const [event, ...rest] = diffSnapshot(undefined, task, T0, policy).events;
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      trigger: 'transition',
      state: 'offline',
      reason: 'PullStreamFailed',
      source: 'poll',
      observedAt: T0,
      resource: { kind: 'relay', id: 't1', region: 'cn-shanghai' },
    });
    expect(event?.previousState).toBeUndefined();
    expect(TaskEventSchema.safeParse(event).success).toBe(true);
  });

  it('does not report an exited task on first sight', () => {
    const result = diffSnapshot(undefined, relayTask({ taskId: 't1', status: -1 }), T0, policy);
    expect(result.events).toEqual([]);
    expect(result.next?.resource.state).toBe('exited');
  });

  it('emits one transition per state change with the previous state', () => {
    const previous = stored({ resource: relayTask({ taskId: 't1', status: 1 }) });
    const now = T0 + 60_000;
    const result = diffSnapshot(
      previous,
      relayTask({ taskId: 't1', status: 2, invalidReason: 'PushStreamFailed' }),
      now,
      policy,
    );
    expect(result.events).toMatchObject([
      {
        trigger: 'transition',
        previousState: 'running',
        state: 'recovering',
        reason: 'PushStreamFailed',
      },
    ]);
    expect(result.next).toMatchObject({ stateSince: now, observedAt: now - 1 });
    expect(result.next?.reportedStuck).toBeUndefined();
  });

  it('neither writes nor emits when nothing changed', () => {
    const task = relayTask({ taskId: 't1', status: 1 });
    const result = diffSnapshot(stored({ resource: task }), { ...task }, T0 + 60_000, policy);
    expect(result).toEqual({ next: undefined, events: [] });
  });

  it('writes without an event when the callback URL changed', () => {
    const task = relayTask({ taskId: 't1', status: 1 });
    const result = diffSnapshot(
      stored({ resource: task }),
      { ...task, callbackUrl: 'https://x.example/callback/abc' },
      T0 + 1,
      policy,
    );
    expect(result.events).toEqual([]);
    expect(result.next?.stateSince).toBe(T0);
  });

  it('writes the VOD playback position when the file changes, not on every second of playback', () => {
    const task = relayTask({
      taskId: 'v1',
      status: 1,
      sourceType: 'vod',
      currentFileIndex: 0,
      currentOffset: 10,
    });
    const previous = stored({ resource: task });
    expect(
      diffSnapshot(previous, { ...task, currentOffset: 250 }, T0 + 240_000, policy).next,
    ).toBeUndefined();
    expect(diffSnapshot(previous, { ...task, currentOffset: 310 }, T0 + 300_000, policy).next).toBeDefined();
    expect(
      diffSnapshot(previous, { ...task, currentFileIndex: 1, currentOffset: 0 }, T0 + 60_000, policy).next
        ?.resource,
    ).toMatchObject({ currentFileIndex: 1 });
  });

  it('keeps the last known playback position when a stopped task no longer reports it', () => {
    const playing = relayTask({
      taskId: 'v1',
      status: 1,
      sourceType: 'vod',
      currentFileIndex: 4,
      currentOffset: 95,
    });
    const {
      currentFileIndex: _index,
      currentOffset: _offset,
      ...stoppedWithout
    } = relayTask({
      taskId: 'v1',
      status: 3,
      sourceType: 'vod',
    });
    const result = diffSnapshot(stored({ resource: playing }), stoppedWithout, T0 + 60_000, policy);
    expect(result.next?.resource).toMatchObject({ state: 'offline', currentFileIndex: 4, currentOffset: 95 });
    expect(result.events[0]?.snapshot).toMatchObject({ currentFileIndex: 4, currentOffset: 95 });
  });

  it('ignores an observation older than the stored snapshot (a callback already wrote newer state)', () => {
    const previous = stored({ resource: relayTask({ taskId: 't1', status: 2 }), observedAt: T0 + 5_000 });
    const result = diffSnapshot(previous, relayTask({ taskId: 't1', status: 1 }), T0 + 4_000, policy);
    expect(result).toEqual({ next: undefined, events: [] });
  });

  it('leaves a snapshot from the same second alone (a callback there is newer than the listing)', () => {
    const fromCallback = stored({
      resource: relayTask({ taskId: 't1', status: 2 }),
      observedAt: T0 + 60_000,
    });
    const listedSameSecond = relayTask({ taskId: 't1', status: 1 });
    expect(diffSnapshot(fromCallback, listedSameSecond, T0 + 60_400, policy)).toEqual({
      next: undefined,
      events: [],
    });
    expect(diffSnapshot(fromCallback, listedSameSecond, T0 + 61_000, policy).events).toHaveLength(1);
    // A poll snapshot sits just before its second, so a callback in that second is accepted as newer.
    expect(pollObservedAt(T0 + 60_400)).toBeLessThan(T0 + 60_000);
    expect(pollObservedAt(T0 + 60_400)).toBeGreaterThan(T0 + 59_000);
  });

  it('gives the same key for the same observation and a different one for a later flap', () => {
    const previous = stored({ resource: relayTask({ taskId: 't1', status: 1 }) });
    const current = relayTask({ taskId: 't1', status: 3 });
    const a = diffSnapshot(previous, current, T0 + 1_000, policy).events[0];
    const b = diffSnapshot(previous, current, T0 + 9_000, policy).events[0];
    expect(a?.key).toBe(b?.key);
    const later = stored({ resource: relayTask({ taskId: 't1', status: 1 }), stateSince: T0 + 100_000 });
    expect(diffSnapshot(later, current, T0 + 200_000, policy).events[0]?.key).not.toBe(a?.key);
  });

  it('reports a relay recovering beyond RetryCount × RetryInterval plus the margin once', () => {
    const task = relayTask({ taskId: 't1', status: 2, retryCount: 2, retryInterval: 60 });
    // 2 × 60 s, then LIVEWATCH_RECOVERING_MARGIN_S (30 s): the platform's last retry may run late.
    const { events, next } = reportedOnceAt(task, T0 + 150_000, T0 + 600_000);
    expect(events).toMatchObject([{ trigger: 'stuck', reason: STUCK_REASONS.recoveringBeyondGrace }]);
    expect(next.reportedStuck).toEqual([STUCK_REASONS.recoveringBeyondGrace]);
    expect(next.stateSince).toBe(T0);
  });

  it('reports a relay still offline after the re-check period once, so a cut-off restart is retried', () => {
    const task = relayTask({ taskId: 't1', status: 3, invalidReason: 'PullStreamFailed' });
    const { events } = reportedOnceAt(task, T0 + 600_000, T0 + 3_600_000);
    expect(events).toEqual([
      expect.objectContaining({
        trigger: 'stuck',
        state: 'offline',
        reason: STUCK_REASONS.offlineUnattended,
      }),
    ]);
  });

  it('never re-reports a task a user stopped', () => {
    const task = relayTask({ taskId: 't1', status: 3, invalidReason: 'TriggerByUser' });
    const previous = stored({ resource: task, stateSince: T0 });
    expect(diffSnapshot(previous, task, T0 + 86_400_000, policy).events).toEqual([]);
  });

  it('uses LIVEWATCH_RECOVERING_GRACE_S over the task retry settings (the margin still applies)', () => {
    const task = relayTask({ taskId: 't1', status: 2, retryCount: 5, retryInterval: 300 });
    const previous = stored({ resource: task });
    const graced = { ...policy, retryGrace: { windowOverrideMs: 30_000, marginMs: 30_000 } };
    expect(diffSnapshot(previous, task, T0 + 59_000, graced).events).toEqual([]);
    const events = diffSnapshot(previous, task, T0 + 60_000, graced).events;
    expect(events.map((event) => event.reason)).toEqual([STUCK_REASONS.recoveringBeyondGrace]);
  });

  it('reports a relay still idle after its StartTime plus the slack, even on first sight', () => {
    const task = relayTask({ taskId: 't1', status: 0, startTime: '2026-01-01T00:00:00Z' });
    expect(diffSnapshot(undefined, task, T0 + 119_000, policy).events).toEqual([]);
    const events = diffSnapshot(undefined, task, T0 + 120_000, policy).events;
    expect(events).toMatchObject([
      {
        trigger: 'stuck',
        state: 'idle',
        reason: STUCK_REASONS.idlePastStartTime,
      },
    ]);
  });

  it('reports the stuck condition again after the state changed and came back', () => {
    const task = relayTask({ taskId: 't1', status: 2 });
    const reported = stored({ resource: task, reportedStuck: [STUCK_REASONS.recoveringBeyondGrace] });
    const running = defined(
      diffSnapshot(reported, relayTask({ taskId: 't1', status: 1 }), T0 + 1_000, policy).next,
      'a snapshot to write',
    );
    expect(running.reportedStuck).toBeUndefined();
    const again = defined(diffSnapshot(running, task, T0 + 2_000, policy).next, 'a snapshot to write');
    const events = diffSnapshot(again, task, T0 + 2_000 + 180_000 + 30_000, policy).events;
    expect(events.map((event) => event.trigger)).toEqual(['stuck']);
  });

  it('reports a record job paused past its grace, and transitions of record and transcode jobs', () => {
    const paused = recordJob({ jobId: 'r1', status: 'paused' });
    const toPaused = diffSnapshot(
      stored({ resource: recordJob({ jobId: 'r1', status: 'started' }) }),
      paused,
      T0,
      policy,
    );
    expect(toPaused.events[0]).toMatchObject({
      trigger: 'transition',
      previousState: 'started',
      state: 'paused',
    });
    const stuck = diffSnapshot(stored({ resource: paused }), paused, T0 + 300_000, policy).events;
    expect(stuck[0]).toMatchObject({ trigger: 'stuck', reason: STUCK_REASONS.recordPausedTooLong });
    const stopped = diffSnapshot(
      stored({ resource: transcodeJob({ jobId: 'x1', status: 1 }) }),
      transcodeJob({ jobId: 'x1', status: 2 }),
      T0,
      policy,
    );
    expect(stopped.events[0]).toMatchObject({ previousState: 'running', state: 'stopped' });
  });
});

describe('disappearanceOf', () => {
  it('emits a disappeared event with the previous state and stores the final state', () => {
    const previous = stored({ resource: recordJob({ jobId: 'r1', status: 'started' }) });
    const gone = goneResourceOf(previous.resource);
    const result = disappearanceOf(previous, gone, T0 + 5, undefined);
    expect(result.events).toMatchObject([
      {
        trigger: 'disappeared',
        previousState: 'started',
        state: 'gone',
        source: 'poll',
      },
    ]);
    expect(result.next?.resource.state).toBe('gone');
    expect(TaskEventSchema.safeParse(result.events[0]).success).toBe(true);
  });

  it('marks a vanished relay task exited with TaskStatus -1', () => {
    expect(goneResourceOf(relayTask({ taskId: 't1', status: 1 }))).toMatchObject({
      status: -1,
      state: 'exited',
    });
    expect(goneResourceOf(relayTask({ taskId: 't1', status: 1 })).kind).toBe('relay');
  });
});

describe('detectStuck edge cases', () => {
  it('never calls an idle task stuck when its StartTime cannot be read', () => {
    const task = relayTask({ taskId: 't1', status: 0, startTime: 'not a time' });
    expect(diffSnapshot(undefined, task, T0 + 86_400_000, policy).events).toEqual([]);
  });

  it('never calls a running task or a started record job stuck', () => {
    const running = relayTask({ taskId: 't1', status: 1 });
    expect(diffSnapshot(stored({ resource: running }), running, T0 + 86_400_000, policy).events).toEqual([]);
    const started = recordJob({ jobId: 'r1', status: 'started' });
    expect(diffSnapshot(stored({ resource: started }), started, T0 + 86_400_000, policy).events).toEqual([]);
  });
});

/** Whether a healthy resource observed a minute later with `after` is written (no state change). */
function writes(before: Resource, after: Resource): boolean {
  const result = diffSnapshot(stored({ resource: before }), after, T0 + 60_000, policy);
  expect(result.events).toEqual([]);
  return result.next !== undefined;
}

describe('diffSnapshot: which field changes are worth a snapshot write', () => {
  const task = relayTask({ taskId: 't1', status: 1, dstUrl: 'rtmp://push.example.com/a', retryCount: 3 });
  const record = recordJob({ jobId: 'r1', status: 'started', streamUrl: 'rtmp://a.example.com/live/r' });
  const transcode = transcodeJob({ jobId: 'x1', status: 1, outputUrls: ['rtmp://o.example.com/1'] });

  it('writes a relay task whose destination, retry setting or source list changed, not an equal copy', () => {
    expect(writes(task, { ...task, sourceUrls: [...task.sourceUrls] })).toBe(false);
    expect(writes(task, { ...task, dstUrl: 'rtmp://push.example.com/b' })).toBe(true);
    expect(writes(task, { ...task, retryCount: 4 })).toBe(true);
    expect(writes(task, { ...task, sourceUrls: [...task.sourceUrls, 'rtmp://b.example.com/app/s'] })).toBe(
      true,
    );
  });

  it('writes a record job whose stream or notify URL changed', () => {
    expect(writes(record, { ...record })).toBe(false);
    expect(writes(record, { ...record, streamUrl: 'rtmp://b.example.com/live/r' })).toBe(true);
    expect(writes(record, { ...record, notifyUrl: 'https://x.example/callback/r' })).toBe(true);
  });

  it('writes a transcode job whose outputs changed (by item, in order), not an equal list', () => {
    expect(writes(transcode, { ...transcode, outputUrls: ['rtmp://o.example.com/1'] })).toBe(false);
    expect(writes(transcode, { ...transcode, outputUrls: ['rtmp://o.example.com/2'] })).toBe(true);
    expect(writes(transcode, { ...transcode, inputUrl: 'rtmp://in.example.com/other' })).toBe(true);
  });
});
