import { describe, expect, it } from 'vitest';
import type { Resource } from '../../lib/events/resources.js';
import type { StuckPolicy } from '../../lib/monitor/detect-stuck.js';
import { diffSnapshot, pollObservedAt } from '../../lib/monitor/diff-snapshot.js';
import { recordJob, relayTask, transcodeJob } from '../support/monitor-resources.js';

const T0 = Date.UTC(2026, 0, 1);
const policy: StuckPolicy = {
  idleStartSlackS: 120,
  recordPausedGraceS: 300,
  offlineRecheckS: 600,
  restartNoReasonStops: false,
  retryGrace: { windowOverrideMs: undefined, marginMs: 30_000 },
};

/** Whether a healthy resource observed a minute later with `after` is written (no state change). */
function writes(before: Resource, after: Resource): boolean {
  const previous = { observedAt: pollObservedAt(T0), stateSince: T0, resource: before };
  const result = diffSnapshot(previous, after, T0 + 60_000, policy);
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
