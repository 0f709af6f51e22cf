import { expect } from 'vitest';
import { parseEventBatch } from '../../lib/alert/parse-event-batch.js';
import type { RelayState } from '../../lib/events/resources.js';
import { resourceKey } from '../../lib/events/resources.js';
import { type EventSource, eventKey, type TaskEvent } from '../../lib/events/task-event.js';
import { silentLogger } from '../../lib/log.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import type { FlushReport, Notice, Notifier } from '../../lib/notify/notice.js';
import type { RemediationDeps } from '../../lib/remediate/remediation-deps.js';
import type { EmulatedTask, EmulatorOptions, ReadingsInput, TaskInit } from '../../local/emulator/index.js';
import { type EmulatorStack, startEmulatorStack } from './emulator-stack.js';
import { RecordingInvoker } from './monitor-harness.js';
import { activeRelayReadings } from './relay-readings.js';

const HOUR = 3_600_000;

/**
 * The real notifier, with every notice it is handed kept for assertions (a decorator, not a fake:
 * notices still go through grouping and the outbox in the real store).
 */
export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  constructor(private readonly inner: Notifier) {}

  async notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
    await this.inner.notify(notice);
  }

  flush(): Promise<FlushReport> {
    return this.inner.flush();
  }

  of(reason: string, status: Notice['status'] = 'firing'): Notice[] {
    return this.notices.filter((notice) => notice.reason === reason && notice.status === status);
  }
}

/**
 * The emulator stack (emulator, clock, store, client, CLI env) with the alert function's notifier
 * and deps, and short-hands for its tests.
 */
/** A VOD task's playlist of three files (100, 200 and 300 s), started at `startAt` from file 0. */
export function threeFilePlaylist(startAt: number): TaskInit {
  return {
    sourceType: 'vod',
    sourceUrls: [
      'https://vod.example.com/a.mp4',
      'https://vod.example.com/b.mp4',
      'https://vod.example.com/c.mp4',
    ],
    fileDurations: [100, 200, 300],
    currentFileIndex: 0,
    currentOffset: 0,
    startAt,
  };
}

export interface RemediateHarness extends EmulatorStack {
  readonly notifier: RecordingNotifier;
  readonly deps: RemediationDeps;
  /** The readings the emulator runs under (the matrix row's, then the test's own choices). */
  readonly readings: ReadingsInput;
  /**
   * Adds a running relay task `match-<taskId>` with a source host of its own, well inside its
   * StartTime/EndTime window (an hour ago to a day ahead); `extra` overrides any of it.
   */
  addRunningTask(taskId: string, extra?: TaskInit): EmulatedTask;
  /** Adds a task as addRunningTask does, already offline: status 3 after PullStreamFailed. */
  addOfflineTask(taskId: string): EmulatedTask;
  /**
   * Advances the ManualClock in steps (5 s) until `done()` holds, so a test waits for what the
   * emulator shows (e.g. status 3 after the platform's retries, late under some readings) rather
   * than a fixed RetryCount × RetryInterval; fails naming `what` after `maxMs` (10 min).
   */
  advanceUntil(
    done: () => boolean,
    what: string,
    options?: { stepMs?: number; maxMs?: number },
  ): Promise<void>;
  /** Advances the clock to `at` (no-op when already past it). */
  advanceTo(at: number): Promise<void>;
  /** The decision reason a user stop gets under the active reading (`no-reason-stop` for a bare status 3). */
  userStopReason(): 'user-stop' | 'no-reason-stop';
  /**
   * One poller sweep over this emulator and store (an error in it fails the test): the events it
   * handed to the alert function, parsed by the function's edge, not yet handled.
   */
  sweep(): Promise<TaskEvent[]>;
  /** A TaskEvent for an emulator task, as the callback receiver or the poller would send it. */
  eventFor(taskId: string, state: RelayState, options?: { reason?: string; source?: EventSource }): TaskEvent;
  /** Successful-or-not calls of one action the emulator received. */
  calls(action: string): Array<{ params: Readonly<Record<string, string>>; status: number }>;
  key(taskId: string): string;
}

/**
 * The alert function's real parts over real wires: the emulator on loopback (latency 0, high QPS on
 * both sides), the real client with an in-process limiter on real time, SQLite in a temp dir, the
 * real notifier (log channel only), and a ManualClock shared by the emulator's task life cycle and
 * the remediation.
 */
export async function startRemediateHarness(
  options: { env?: Record<string, string>; emulator?: EmulatorOptions; start?: number } = {},
): Promise<RemediateHarness> {
  // The matrix row (LIVEWATCH_TEST_READINGS, set per vitest project) is the default; a test that
  // is about one reading names it in `options.emulator.readings` and wins.
  const readings = { ...activeRelayReadings().readings, ...options.emulator?.readings };
  const stack = await startEmulatorStack({
    clockStart: options.start ?? Date.UTC(2026, 0, 10, 12),
    dirPrefix: 'livewatch-remediate-',
    emulator: { ...options.emulator, readings },
    env: { LIVEWATCH_API_DEADLINE_MS: '5000', ...options.env },
  });
  const { emulator, clock, config, store, client } = stack;
  const notifier = new RecordingNotifier(createNotifier({ config, store, clock, log: silentLogger }));
  let sequence = 0;
  const addRunningTask = (taskId: string, extra: TaskInit = {}): EmulatedTask =>
    emulator.addTask({
      taskId,
      region: 'cn-shanghai',
      taskName: `match-${taskId}`,
      sourceUrls: [`rtmp://origin-${taskId}.example.com/live/${taskId}`],
      dstUrl: `rtmp://push.example.com/live/${taskId}`,
      startAt: clock.now() - HOUR,
      endAt: clock.now() + 24 * HOUR,
      ...extra,
    });
  return {
    ...stack,
    notifier,
    readings,
    deps: { config, store, client, notifier, clock, log: silentLogger },
    addRunningTask,
    addOfflineTask(taskId) {
      const task = addRunningTask(taskId);
      emulator.setTaskStatus(taskId, 3, 'PullStreamFailed');
      return task;
    },
    async advanceUntil(done, what, { stepMs = 5_000, maxMs = 10 * 60_000 } = {}) {
      for (let waited = 0; !done(); waited += stepMs) {
        if (waited >= maxMs) throw new Error(`advanceUntil: ${what} did not happen within ${maxMs} ms`);
        await stack.advance(stepMs);
      }
    },
    async advanceTo(at) {
      if (at > clock.now()) await stack.advance(at - clock.now());
    },
    userStopReason() {
      return emulator.readings.values().userStop === 'no-reason' ? 'no-reason-stop' : 'user-stop';
    },
    async sweep() {
      const invoker = new RecordingInvoker();
      const report = await runSweep({ config, store, client, invoker, clock, log: silentLogger });
      expect(report.errors).toEqual([]);
      return invoker.calls.flatMap((call) => parseEventBatch(JSON.parse(call.payload)));
    },
    eventFor(taskId, state, opts = {}) {
      const task = emulator.task(taskId);
      const region = task?.region ?? 'cn-shanghai';
      sequence += 1;
      return {
        resource: { kind: 'relay', id: taskId, region, ...(task ? { name: task.taskName } : {}) },
        state,
        ...(opts.reason ? { reason: opts.reason } : {}),
        trigger: 'transition',
        observedAt: clock.now(),
        source: opts.source ?? 'callback',
        key: eventKey([taskId, state, clock.now(), opts.source ?? 'callback', sequence]),
      };
    },
    calls(action) {
      return emulator.requests
        .filter((request) => request.action === action)
        .map(({ params, status }) => ({ params, status }));
    },
    key(taskId) {
      return resourceKey({ kind: 'relay', region: 'cn-shanghai', id: taskId });
    },
  };
}
