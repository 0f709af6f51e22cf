import { describe, expect, it } from 'vitest';
import { jobNoticesOf } from '../../lib/alert/job-notices.js';
import { parseEventBatch } from '../../lib/alert/parse-event-batch.js';
import { ValidationError } from '../../lib/errors.js';
import { eventKey, type TaskEvent } from '../../lib/events/task-event.js';
import { offlineNotice, recoveringNotice, restartedNotice } from '../../lib/remediate/relay-notices.js';

const at = Date.UTC(2026, 0, 10);

function jobEvent(kind: 'record' | 'transcode', state: TaskEvent['state']): TaskEvent {
  return {
    resource: { kind, id: `${kind}-1`, region: 'cn-shanghai', name: 'studio' },
    state,
    trigger: state === 'gone' ? 'disappeared' : 'transition',
    observedAt: at,
    source: 'poll',
    key: eventKey([kind, state]),
  };
}

describe('record and transcode jobs are alerted, not remediated', () => {
  it.each([
    ['record', 'paused', 'RecordPaused'],
    ['transcode', 'stopped', 'TranscodeStopped'],
  ] as const)('fires a warning when a %s job is %s, resolved when it runs again', (kind, state, reason) => {
    const [firing] = jobNoticesOf(jobEvent(kind, state));
    expect(firing).toMatchObject({ status: 'firing', severity: 'warning', reason, kind });
    const [resolved] = jobNoticesOf(jobEvent(kind, kind === 'record' ? 'started' : 'running'));
    expect(resolved).toMatchObject({ status: 'resolved', severity: 'warning', reason, id: firing?.id });
  });

  it('reports a disappearance once (info) and resolves what was firing', () => {
    const notices = jobNoticesOf(jobEvent('record', 'gone'));
    expect(notices.map((n) => [n.status, n.severity, n.reason])).toEqual([
      ['resolved', 'warning', 'RecordPaused'],
      ['firing', 'info', 'Disappeared'],
    ]);
  });

  it('says nothing for a job that has not started', () => {
    expect(jobNoticesOf(jobEvent('transcode', 'not-started'))).toEqual([]);
  });
});

describe('relay notices', () => {
  it('keep id, severity and group reason equal between firing and resolved', () => {
    const task = { taskId: 't1', region: 'cn-shanghai', name: 'news', invalidReason: 'PullStreamFailed' };
    const firing = offlineNotice(task, 'firing', at, 'x');
    const resolved = offlineNotice(task, 'resolved', at + 1, 'y');
    expect([firing.id, firing.severity, firing.reason]).toEqual([
      resolved.id,
      resolved.severity,
      resolved.reason,
    ]);
    expect(firing).toMatchObject({
      severity: 'critical',
      title: 'relay news (t1) offline (PullStreamFailed)',
    });
  });

  it('offline and recovering each supersede the other while firing, and say so without a reason', () => {
    const task = { taskId: 't1', region: 'cn-shanghai' };
    expect(offlineNotice(task, 'firing', at, 'x')).toMatchObject({
      id: 'relay:cn-shanghai:t1:offline',
      title: 'relay t1 offline (no reason given)',
      supersedes: [{ id: 'relay:cn-shanghai:t1:recovering', severity: 'warning', reason: 'Recovering' }],
    });
    expect(recoveringNotice(task, 'firing', at, 'x')).toMatchObject({
      severity: 'warning',
      title: 'relay t1 recovering (platform retrying); the platform is retrying',
      supersedes: [{ id: 'relay:cn-shanghai:t1:offline', severity: 'critical', reason: 'Offline' }],
    });
    expect(recoveringNotice(task, 'resolved', at, 'x').supersedes).toBeUndefined();
  });

  it('describe a resumed restart and a dry run; later restarts of a series and probes', () => {
    const task = { taskId: 't1', region: 'cn-shanghai' };
    expect(
      restartedNotice(task, at, { attempt: 1, resume: { fileIndex: 3, offset: 40 }, dryRun: false }),
    ).toMatchObject({
      severity: 'info',
      reason: 'Resumed',
      title: 'relay t1 restart requested from file 3, offset 40 s',
      zh: { title: '拉流转推任务 t1 已请求重启（从第 3 个文件的 40 秒处续播）' },
    });
    expect(restartedNotice(task, at, { attempt: 1, dryRun: true })).toMatchObject({ reason: 'WouldRestart' });
    // The same series is not announced again at each retry (its history has every attempt).
    expect(
      restartedNotice(task, at, { attempt: 2, resume: { fileIndex: 0, offset: 321 }, dryRun: false }),
    ).toBe(undefined);
    // A probe is always announced, and never as "restarted" done: whether it holds comes next.
    const probe = restartedNotice(task, at, { attempt: 3, dryRun: false, probeFor: ['host:a.example'] });
    expect(probe).toMatchObject({
      reason: 'Probe',
      title: 'relay t1 restarted as the probe for host:a.example',
    });
    expect(probe?.text).toContain('if it holds for 30 s');
  });
});

describe('parseEventBatch (the alert function edge)', () => {
  const valid = {
    resource: { kind: 'relay', id: 't1', region: 'cn-shanghai' },
    state: 'offline',
    trigger: 'transition',
    observedAt: at,
    source: 'callback',
    key: 'ev_abc',
  };

  it('accepts a batch and keeps a relay snapshot that has the expected shape', () => {
    const snapshot = {
      kind: 'relay',
      taskId: 't1',
      region: 'cn-shanghai',
      status: 3,
      state: 'offline',
      sourceUrls: [],
      currentFileIndex: 2,
      extra: 1,
    };
    const [event] = parseEventBatch([{ ...valid, snapshot }]);
    expect(event?.snapshot).toMatchObject({ currentFileIndex: 2 });
  });

  it('drops a snapshot it cannot trust instead of failing the batch', () => {
    const [event] = parseEventBatch([{ ...valid, snapshot: { kind: 'relay', taskId: 5 } }]);
    expect(event).not.toHaveProperty('snapshot');
  });

  it('rejects events that break the schema, naming the path', () => {
    expect(() => parseEventBatch([{ ...valid, state: 'on-fire' }])).toThrow(ValidationError);
    expect(() => parseEventBatch({ not: 'an array' })).toThrow(/alert event batch/);
    const error = catchError(() => parseEventBatch([{ ...valid, observedAt: -1 }]));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('0.observedAt');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
