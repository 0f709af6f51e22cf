import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { parseCallback } from '../../lib/events/parse-callback.js';
import { TaskEventSchema } from '../../lib/events/task-event.js';
import { CALLBACK_FIXTURES, fixtureBuffer, fixtureJson } from '../support/fc-context.js';

const RECEIVED_AT = Date.UTC(2026, 0, 1, 12, 0, 0);
const options = { receivedAt: RECEIVED_AT, defaultRegion: 'cn-shanghai' };

function parseFixture(name: string, extra: { region?: string } = {}) {
  return parseCallback(fixtureBuffer(`callbacks/${name}.json`), { ...options, ...extra });
}

function rejectionOf(body: unknown): ValidationError {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    parseCallback(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseCallback', () => {
  it('parses the documented sample: misspelled Event, EventTime as a string (the docs’ masked ids unmasked: * is not a TaskId character)', () => {
    const parsed = parseFixture('running-doc-sample');

    expect(parsed.recognised).toBe(true);
    expect(parsed.eventName).toBe('LivePullToPushRuning');
    expect(parsed.eventTimeValid).toBe(true);
    expect(parsed.event).toMatchObject({
      resource: {
        kind: 'relay',
        id: '08a1b00c-9c2f-4dfa-9f5d-878f2505abcd',
        region: 'cn-shanghai',
        name: 'doc-sample',
      },
      state: 'running',
      trigger: 'transition',
      source: 'callback',
      observedAt: 1725501246 * 1000,
    });
    expect(parsed.event.snapshot).toMatchObject({
      kind: 'relay',
      status: 1,
      state: 'running',
      sourceUrls: ['rtmp://source.example.com/app/stream'],
      dstUrl: 'rtmp://push.example.com/live/out',
      retryCount: 3,
      retryInterval: 60,
      startTime: '2024-09-05T01:00:00Z',
    });
  });

  it('parses the correct spelling with EventTime as a number and SourceUrls as a JSON string', () => {
    const parsed = parseFixture('running-correct-spelling-number-time');

    expect(parsed.recognised).toBe(true);
    expect(parsed.event.observedAt).toBe(1725501300 * 1000);
    expect(parsed.event.snapshot).toMatchObject({
      sourceType: 'vod',
      sourceUrls: ['https://vod.example.com/a.mp4', 'https://vod.example.com/b.mp4'],
      fileIndex: 1,
      offset: 30,
    });
  });

  it('accepts TaskStatus as a numeric string', () => {
    const parsed = parseFixture('recovering-status-string');

    expect(parsed.event.state).toBe('recovering');
    expect(parsed.status).toBe(2);
    expect(parsed.event.reason).toBe('PullStreamFailed');
    expect(parsed.event.snapshot).toBeUndefined();
  });

  it('maps offline with its reason and takes the region from TaskInfo', () => {
    const parsed = parseFixture('offline-retries-exhausted');

    expect(parsed.event.state).toBe('offline');
    expect(parsed.event.reason).toBe('RetryTimesOffline');
    expect(parsed.event.resource.region).toBe('cn-beijing');
    expect(parsed.regionSource).toBe('task-info');
  });

  it('prefers the ?region= of the callback URL over TaskInfo', () => {
    const parsed = parseFixture('offline-retries-exhausted', { region: 'ap-southeast-5' });
    expect(parsed.event.resource.region).toBe('ap-southeast-5');
    expect(parsed.regionSource).toBe('query');
  });

  it('falls back to the default region', () => {
    const parsed = parseFixture('offline-by-user');
    expect(parsed.event.resource.region).toBe('cn-shanghai');
    expect(parsed.regionSource).toBe('default');
    expect(parsed.event.reason).toBe('TriggerByUser');
  });

  it('maps the exit event to exited with its exit reason and time', () => {
    const parsed = parseFixture('exit-over-end-time');

    expect(parsed.event.state).toBe('exited');
    expect(parsed.status).toBe(-1);
    expect(parsed.event.reason).toBe('OverEndTime');
    expect(parsed.details.exitTime).toBe(1725501699);
  });

  it('tolerates unknown extra fields and drops wrongly typed TaskInfo fields', () => {
    const parsed = parseFixture('extra-fields');

    expect(parsed.event.state).toBe('running');
    expect(parsed.details.currentOffset).toBe(120);
    expect(parsed.details.currentFileIndex).toBe(2);
    expect(parsed.details.retryCount).toBeUndefined();
  });

  it('accepts an unknown LivePullToPush* event name and flags it', () => {
    const parsed = parseFixture('unknown-event-name');
    expect(parsed.recognised).toBe(false);
    expect(parsed.event.state).toBe('recovering');
  });

  it('uses the receive time and flags a missing EventTime', () => {
    const parsed = parseFixture('no-event-time');
    expect(parsed.eventTimeValid).toBe(false);
    expect(parsed.event.observedAt).toBe(RECEIVED_AT);
  });

  it.each([['abc'], ['-5'], [0], ['1725501246000'], [null]])(
    'treats EventTime %j as invalid',
    (eventTime) => {
      const body = fixtureJson('callbacks/offline-by-user.json');
      body.EventTime = eventTime;
      const parsed = parseCallback(JSON.stringify(body), options);
      expect(parsed.eventTimeValid).toBe(false);
      expect(parsed.event.observedAt).toBe(RECEIVED_AT);
    },
  );

  it('marks a status-less callback as a hint whose state is unknown', () => {
    const parsed = parseCallback(
      JSON.stringify({ Event: 'LivePullToPushRunning', EventTime: '1725501246', TaskId: 't-1' }),
      options,
    );
    expect(parsed.stateKnown).toBe(false);
    expect(parsed.event.reason).toBe('StatusUnknown');
  });

  it('gives the same key to the same observation and different keys to different ones', () => {
    const a = fixtureJson('callbacks/offline-by-user.json');
    const numeric = { ...a, EventTime: Number(a.EventTime), TaskStatus: 3 };
    const later = { ...a, EventTime: '1725501601' };
    const key = (body: unknown) => parseCallback(JSON.stringify(body), options).event.key;

    expect(key(a)).toBe(key(numeric));
    expect(key(a)).not.toBe(key(later));
    expect(key(a)).toMatch(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/);
  });

  it('keys untimed callbacks by their bytes, so a resend dedupes and a different body does not', () => {
    const body = fixtureJson('callbacks/no-event-time.json');
    const key = (value: unknown) => parseCallback(JSON.stringify(value), options).event.key;
    expect(key(body)).toBe(key(body));
    expect(key(body)).not.toBe(key({ ...body, TaskInvalidReason: 'PullStreamFailed' }));
  });

  it('always yields events the alert function accepts', () => {
    for (const name of CALLBACK_FIXTURES) {
      expect(TaskEventSchema.safeParse(parseFixture(name).event).success, name).toBe(true);
    }
  });

  it.each([
    ['not JSON', '{"Event":', ''],
    ['a JSON array', [], ''],
    ['a JSON string', '"x"', ''],
    ['no TaskId', { Event: 'LivePullToPushRunning', TaskStatus: 1 }, 'TaskId'],
    ['a numeric TaskId', { Event: 'LivePullToPushRunning', TaskId: 5 }, 'TaskId'],
    ['an empty TaskId', { Event: 'LivePullToPushRunning', TaskId: '' }, 'TaskId'],
    ['another Event', { Event: 'LiveStreamPublish', TaskId: 't' }, 'Event'],
    ['no Event', { TaskId: 't' }, 'Event'],
    ['TaskStatus out of range', { Event: 'LivePullToPushRunning', TaskId: 't', TaskStatus: 9 }, 'TaskStatus'],
    ['TaskStatus as a word', { Event: 'LivePullToPushRunning', TaskId: 't', TaskStatus: 'up' }, 'TaskStatus'],
    [
      'TaskStatus as an object',
      { Event: 'LivePullToPushRunning', TaskId: 't', TaskStatus: {} },
      'TaskStatus',
    ],
    ['EventTime as an object', { Event: 'LivePullToPushRunning', TaskId: 't', EventTime: {} }, 'EventTime'],
    ['TaskInfo as a string', { Event: 'LivePullToPushRunning', TaskId: 't', TaskInfo: 'x' }, 'TaskInfo'],
    [
      'a numeric reason',
      { Event: 'LivePullToPushRunning', TaskId: 't', TaskInvalidReason: 3 },
      'TaskInvalidReason',
    ],
  ])('rejects %s and says what is wrong', (_name, body, path) => {
    const error = rejectionOf(typeof body === 'string' ? body : body);
    expect(error.issues.map((issue) => issue.path)).toContain(path);
  });

  it('clamps an EventTime later than the receive time (plus a small skew) to the receive time and marks it', () => {
    const body = (seconds: number) =>
      JSON.stringify({ Event: 'LivePullToPushRunning', EventTime: seconds, TaskId: 't1', TaskStatus: 1 });
    const forged = parseCallback(body(Math.floor(Date.UTC(2200, 0, 1) / 1000)), options);
    expect(forged.event.observedAt).toBe(RECEIVED_AT);
    expect(forged).toMatchObject({ eventTimeValid: true, eventTimeClamped: true });
    const skewed = parseCallback(body(RECEIVED_AT / 1000 + 2), options);
    expect(skewed.event.observedAt).toBe(RECEIVED_AT + 2_000);
    expect(skewed.eventTimeClamped).toBe(false);
  });
});
