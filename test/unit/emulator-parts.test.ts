import { describe, expect, it } from 'vitest';
import { FaultState } from '../../local/emulator/faults.js';
import { advancePlayback, type MutableTask, taskViewOf } from '../../local/emulator/relay-task.js';
import { createRandom, hashString } from '../../local/emulator/seeded-random.js';
import { SlidingWindowLimiter } from '../../local/emulator/sliding-window.js';

describe('SlidingWindowLimiter', () => {
  it('admits `limit` calls in any window and the next one once the oldest has left it', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(10, { now: () => now });
    for (let i = 0; i < 10; i++) {
      now = i * 50;
      expect(limiter.tryAcquire('ak|List')).toBe(true);
    }
    now = 999;
    expect(limiter.tryAcquire('ak|List')).toBe(false);
    expect(limiter.tryAcquire('ak|Describe')).toBe(true);
    now = 1000;
    expect(limiter.tryAcquire('ak|List')).toBe(true);
    expect(limiter.tryAcquire('ak|List')).toBe(false);
  });

  it('does not count throttled calls against the caller', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(1, { now: () => now });
    expect(limiter.tryAcquire('k')).toBe(true);
    for (let i = 1; i < 10; i++) {
      now = i * 100;
      expect(limiter.tryAcquire('k')).toBe(false);
    }
    now = 1000;
    expect(limiter.tryAcquire('k')).toBe(true);
  });
});

describe('seeded random', () => {
  it('repeats for a seed and stays in range', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const drawsA = Array.from({ length: 100 }, () => a.int(3, 7));
    expect(Array.from({ length: 100 }, () => b.int(3, 7))).toEqual(drawsA);
    expect(new Set(drawsA)).toEqual(new Set([3, 4, 5, 6, 7]));
    expect(createRandom(5).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(hashString('abc')).toBe(hashString('abc'));
    expect(hashString('abc')).not.toBe(hashString('abd'));
  });
});

function vodTask(overrides: Partial<MutableTask> = {}): MutableTask {
  return {
    taskId: 't',
    region: 'cn-shanghai',
    taskName: '',
    startAt: 0,
    endAt: 1e12,
    sourceType: 'vod',
    sourceProtocol: undefined,
    sourceUrls: ['a', 'b', 'c'],
    dstUrl: 'rtmp://d/x',
    callbackUrl: '',
    retryCount: 3,
    retryInterval: 60,
    repeatNumber: 0,
    offset: undefined,
    fileIndex: undefined,
    status: 1,
    invalidReason: undefined,
    exitReason: undefined,
    exitAt: undefined,
    currentFileIndex: 0,
    currentOffset: 0,
    fileDurations: [10, 20, 30],
    passes: 0,
    createdAt: 0,
    abnormalSince: undefined,
    retriesDone: 0,
    resumeOnRestart: false,
    previousTaskIds: [],
    retryLagMs: 0,
    interruptions: 0,
    positionAt: 0,
    dueAt: 0,
    dueVersion: 0,
    ...overrides,
  };
}

describe('playback', () => {
  it('moves across files and wraps for each repeat', () => {
    const task = vodTask({ repeatNumber: 2 });
    advancePlayback(task, 35);
    expect([task.currentFileIndex, task.currentOffset, task.passes]).toEqual([2, 5, 0]);
    advancePlayback(task, 25 + 15);
    expect([task.currentFileIndex, task.currentOffset, task.passes]).toEqual([1, 5, 1]);
    advancePlayback(task, 1_000);
    expect([task.currentFileIndex, task.currentOffset, task.passes]).toEqual([2, 30, 3]);
  });

  it('leaves live tasks at offset 0', () => {
    const task = vodTask({ sourceType: 'live', sourceUrls: ['rtmp://h/a/b'], fileDurations: [100] });
    advancePlayback(task, 500);
    expect(task.currentOffset).toBe(0);
  });

  it('shows exit and reason fields only in the states that have them', () => {
    const running = taskViewOf(vodTask({ invalidReason: 'PullStreamFailed' }));
    expect(running).not.toHaveProperty('TaskInvalidReason');
    const exited = taskViewOf(vodTask({ status: -1, exitReason: 'OverEndTime', exitAt: 1_700_000_000_500 }));
    expect(exited).toMatchObject({ TaskExitReason: 'OverEndTime', TaskExitTime: 1_700_000_000 });
    expect(taskViewOf(vodTask()).TaskInfo).toMatchObject({ CallbackURL: '', SourceUrls: ['a', 'b', 'c'] });
  });
});

describe('FaultState', () => {
  const target = { ids: ['task-1'], sourceHosts: ['origin.example.com'], dstHost: 'push.example.com' };

  it('matches by task id or host, source before push, earliest first', () => {
    const faults = new FaultState(0);
    expect(faults.healthOf(target)).toBeUndefined();
    faults.rejectPush({ host: 'push.example.com' }, 100);
    expect(faults.healthOf(target)).toEqual({ reason: 'PushStreamFailed', since: 100 });
    faults.failSource({ taskId: 'task-1' }, 300);
    faults.failSource({ host: 'ORIGIN.example.com' }, 200);
    expect(faults.healthOf(target)).toEqual({ reason: 'PullStreamFailed', since: 200 });
    faults.recoverSource({ host: 'origin.example.com' });
    expect(faults.healthOf(target)).toEqual({ reason: 'PullStreamFailed', since: 300 });
    faults.recoverSource({});
    faults.acceptPush({});
    expect(faults.healthOf(target)).toBeUndefined();
  });

  it('picks API faults per action before the all-actions fault and validates the rate', () => {
    const faults = new FaultState(0);
    faults.setApiFault({ kind: 'throttle', rate: 1 });
    faults.setApiFault({ kind: '5xx', rate: 1, action: 'StopLivePullToPush' });
    expect(faults.apiFaultFor('StopLivePullToPush', () => 0.5)).toBe('5xx');
    expect(faults.apiFaultFor('DescribeLivePullToPush', () => 0.5)).toBe('throttle');
    faults.setApiFault({ kind: 'throttle', rate: 0 });
    expect(faults.apiFaultFor('DescribeLivePullToPush', () => 0)).toBeUndefined();
    expect(() => faults.setApiFault({ kind: 'timeout', rate: 1.5 })).toThrow(RangeError);
  });

  it('counts down "next N" callback faults', () => {
    const faults = new FaultState(0);
    faults.setCallbacks({ dropNext: 2 });
    expect([faults.takeDropNext(), faults.takeDropNext(), faults.takeDropNext()]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
