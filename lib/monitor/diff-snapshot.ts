import { claimsFuture } from '../events/observation-time.js';
import { type Resource, refOf, resourceKey, type TaskState } from '../events/resources.js';
import { isUnhealthy } from '../events/states.js';
import { type EventTrigger, eventKey, type TaskEvent } from '../events/task-event.js';
import type { StoredSnapshot } from '../store/store.js';
import { detectStuck, type StuckPolicy } from './detect-stuck.js';

export interface DiffResult {
  /** The snapshot to write (compare-and-set), or undefined when nothing worth storing changed. */
  readonly next: StoredSnapshot | undefined;
  readonly events: readonly TaskEvent[];
}

/**
 * A VOD/url task's playback offset moves every second. The exact position where a task stopped is
 * written with its state change, and the alert function reads it from the API before it resumes, so
 * while a task plays the stored offset is only a fallback: five minutes of precision (replaying a
 * little rather than starting over) bounds the writes to one per task every five minutes. With a
 * one-minute step every playing VOD task would be rewritten on every sweep.
 */
const OFFSET_WRITE_STEP_S = 300;

/**
 * Compares what a listing shows (`current`, observed at `now`) with the stored snapshot and says
 * what to write and which events to emit:
 * - first sight: store it; an event only if it is unhealthy (or already stuck), so a fresh install
 *   reports what is broken, not every healthy task;
 * - a state change: one `transition` event;
 * - the same state for too long: one `stuck` event per condition and state (`reportedStuck`);
 * - a snapshot newer than this observation, or from the same second (written by the callback
 *   receiver or the alert function): nothing — whoever wrote it reported that transition; see
 *   `pollObservedAt`.
 * Pure: no I/O, so the sweep can re-run it after a compare-and-set conflict.
 */
export function diffSnapshot(
  previous: StoredSnapshot | undefined,
  listed: Resource,
  now: number,
  policy: StuckPolicy,
): DiffResult {
  const current = withLastKnownPosition(listed, previous?.resource);
  const key = resourceKey(refOf(current));
  if (previous === undefined) {
    const events: TaskEvent[] = [];
    if (isUnhealthy(current.state)) {
      events.push(makeEvent(current, 'transition', now, ['first', key, current.state]));
    }
    const stuck = detectStuck(current, now, now, policy);
    if (stuck !== undefined) {
      // Keyed on first sight rather than the time, so a retried sweep yields the same key.
      events.push(
        makeEvent(current, 'stuck', now, ['stuck', key, current.state, stuck, 'first'], { reason: stuck }),
      );
    }
    return { next: snapshotOf(current, now, now, stuck === undefined ? [] : [stuck]), events };
  }

  // Written this second by someone else: theirs stands. A snapshot claiming to be from the future is
  // never a reason to skip (it would hide the task for good); what is listed now is written over it.
  if (previous.observedAt >= wholeSecondOf(now) && !claimsFuture(previous.observedAt, now)) {
    return { next: undefined, events: [] };
  }

  const before = previous.resource.state;
  if (before !== current.state) {
    const events: TaskEvent[] = [
      makeEvent(current, 'transition', now, ['transition', key, before, current.state, previous.stateSince], {
        previousState: before,
      }),
    ];
    const stuck = detectStuck(current, now, now, policy);
    if (stuck !== undefined) {
      events.push(
        makeEvent(current, 'stuck', now, ['stuck', key, before, current.state, stuck, previous.stateSince], {
          reason: stuck,
        }),
      );
    }
    return { next: snapshotOf(current, now, now, stuck === undefined ? [] : [stuck]), events };
  }

  const reported = previous.reportedStuck ?? [];
  const stuck = detectStuck(current, previous.stateSince, now, policy);
  if (stuck !== undefined && !reported.includes(stuck)) {
    const event = makeEvent(
      current,
      'stuck',
      now,
      ['stuck', key, current.state, stuck, previous.stateSince],
      {
        reason: stuck,
      },
    );
    return { next: snapshotOf(current, now, previous.stateSince, [...reported, stuck]), events: [event] };
  }
  if (materiallyChanged(previous.resource, current)) {
    return { next: snapshotOf(current, now, previous.stateSince, reported), events: [] };
  }
  return { next: undefined, events: [] };
}

/**
 * The event for a resource no longer listed (relay → exited, record/transcode → gone), after the
 * caller confirmed it. `resource` is the last known resource with its final state.
 */
export function disappearanceOf(
  previous: StoredSnapshot,
  resource: Resource,
  now: number,
  reason?: string,
): DiffResult {
  const key = resourceKey(refOf(resource));
  const before = previous.resource.state;
  const event = makeEvent(
    resource,
    'disappeared',
    now,
    ['disappeared', key, before, resource.state, previous.stateSince],
    reason === undefined ? { previousState: before } : { previousState: before, reason },
  );
  return { next: snapshotOf(resource, now, now, []), events: [event] };
}

/**
 * A stopped task may not report its playback position; keep the last one seen, so VOD resume still
 * knows where it stopped.
 */
function withLastKnownPosition(listed: Resource, previous: Resource | undefined): Resource {
  if (listed.kind !== 'relay' || previous?.kind !== 'relay') return listed;
  const fileIndex = listed.currentFileIndex ?? previous.currentFileIndex;
  const offset = listed.currentOffset ?? previous.currentOffset;
  return {
    ...listed,
    ...(fileIndex === undefined ? {} : { currentFileIndex: fileIndex }),
    ...(offset === undefined ? {} : { currentOffset: offset }),
  };
}

/** The last known resource in its final state: a relay task exited (TaskStatus −1), a job gone. */
export function goneResourceOf(resource: Resource): Resource {
  switch (resource.kind) {
    case 'relay':
      return { ...resource, status: -1, state: 'exited' };
    case 'record':
      return { ...resource, state: 'gone' };
    case 'transcode':
      return { ...resource, state: 'gone' };
  }
}

/**
 * Callbacks carry their time in whole seconds (EventTime), listings are timed in ms, so within one
 * second the order of a callback and a listing is unknown. The listing is the API's truth at that
 * moment: had the callback's change happened before it, the listing would show it. So a callback in
 * the same second as a listing is taken as the newer of the two:
 * - a sweep records its observation as just before its second (`pollObservedAt`), so the callback
 *   receiver, which accepts only events newer than the snapshot, still records a same-second callback;
 * - a sweep leaves alone a snapshot written in its own second or later (by a callback or the alert
 *   function) and looks again on the next sweep, instead of reporting the difference as a change.
 */
export function pollObservedAt(now: number): number {
  return wholeSecondOf(now) - 1;
}

function wholeSecondOf(time: number): number {
  return Math.floor(time / 1000) * 1000;
}

function snapshotOf(
  resource: Resource,
  now: number,
  stateSince: number,
  reportedStuck: readonly string[],
): StoredSnapshot {
  const observedAt = pollObservedAt(now);
  return reportedStuck.length > 0
    ? { resource, observedAt, stateSince, reportedStuck }
    : { resource, observedAt, stateSince };
}

function makeEvent(
  resource: Resource,
  trigger: EventTrigger,
  now: number,
  keyParts: ReadonlyArray<string | number>,
  extra: { readonly previousState?: TaskState; readonly reason?: string } = {},
): TaskEvent {
  const reason = extra.reason ?? reasonOf(resource);
  return {
    resource: refOf(resource),
    state: resource.state,
    ...(extra.previousState === undefined ? {} : { previousState: extra.previousState }),
    ...(reason === undefined ? {} : { reason }),
    trigger,
    observedAt: now,
    source: 'poll',
    snapshot: resource,
    key: eventKey(['poll', ...keyParts]),
  };
}

/** The API's own reason for a relay task's state (why it is retrying, stopped or gone). */
function reasonOf(resource: Resource): string | undefined {
  if (resource.kind !== 'relay') return undefined;
  if (resource.state === 'exited') return resource.exitReason ?? resource.invalidReason;
  if (resource.state === 'recovering' || resource.state === 'offline') return resource.invalidReason;
  return undefined;
}

type FieldOf<K extends Resource['kind']> = keyof Extract<Resource, { kind: K }>;

/** Per kind, the fields besides the playback position whose change is worth a snapshot write. */
const COMPARED: { readonly [K in Resource['kind']]: readonly FieldOf<K>[] } = {
  relay: [
    'status',
    'invalidReason',
    'exitReason',
    'callbackUrl',
    'name',
    'startTime',
    'endTime',
    'retryCount',
    'retryInterval',
    'repeatNumber',
    'sourceType',
    'dstUrl',
    'sourceUrls',
  ],
  record: ['status', 'name', 'streamUrl', 'notifyUrl'],
  transcode: ['status', 'name', 'inputUrl', 'outputUrls'],
};

/**
 * Whether anything livewatch relies on changed besides the state: reasons, the callback URL
 * (enrolment), the schedule and retry settings (stuck detection), the source and destination
 * (breaker grouping, resume), and the playback position (VOD resume; see OFFSET_WRITE_STEP_S).
 */
function materiallyChanged(before: Resource, after: Resource): boolean {
  if (before.kind === 'relay' && after.kind === 'relay') {
    if (before.currentFileIndex !== after.currentFileIndex) return true;
    const offsetMoved = Math.abs((after.currentOffset ?? 0) - (before.currentOffset ?? 0));
    if (offsetMoved >= OFFSET_WRITE_STEP_S) return true;
    if ((before.currentOffset === undefined) !== (after.currentOffset === undefined)) return true;
    return changedIn(before, after, COMPARED.relay);
  }
  if (before.kind === 'record' && after.kind === 'record') return changedIn(before, after, COMPARED.record);
  if (before.kind === 'transcode' && after.kind === 'transcode')
    return changedIn(before, after, COMPARED.transcode);
  return true;
}

/** Whether any of `fields` differs; lists (source and output URLs) compare by their items, in order. */
function changedIn<T>(before: T, after: T, fields: readonly (keyof T)[]): boolean {
  return fields.some((field) => {
    const [a, b] = [before[field], after[field]];
    return Array.isArray(a) && Array.isArray(b) ? a.join('\n') !== b.join('\n') : a !== b;
  });
}
