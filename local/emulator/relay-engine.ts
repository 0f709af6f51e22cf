import { hostOf } from '../../lib/url-host.js';
import { apiErrors } from './api-error.js';
import type { FaultState, FaultTarget } from './faults.js';
import type { Readings } from './readings.js';
import {
  advancePlayback,
  defaultFileDuration,
  type EmulatedTask,
  type MutableTask,
  type SourceType,
  secondsUntilPlaylistEnd,
  type TaskStatus,
} from './relay-task.js';

/** A state change the callback dispatcher may turn into a POST to the task's CallbackUrl. */
export interface TaskTransition {
  readonly task: EmulatedTask;
  /** 1 running, 2 recovering, 3 offline, -1 exit. */
  readonly status: TaskStatus;
  readonly at: number;
  /** The callback URL in force when the event happened ("applies from the next event"). */
  readonly callbackUrl: string;
}

export interface RelayEngineDeps {
  readonly faults: FaultState;
  readonly newTaskId: () => string;
  readonly onTransition: (transition: TaskTransition) => void;
  /** Whether Restart returns (and re-keys the task under) a new TaskId. */
  readonly restartNewTaskId: () => boolean;
  /** How long an exited task (past EndTime) stays visible with status -1 before it is removed. */
  readonly exitedRetentionMs: number;
  /** Two tasks pushing to the same DstUrl both fail (PushStreamFailed), as the Create docs say. */
  readonly dstConflicts?: boolean;
  /**
   * Demo speed factor (default 1): the platform's retries come RetryInterval / speed apart and
   * playback moves through the files `speed` times faster. Task times stay on the real clock.
   */
  readonly speed?: number;
  /** The documented readings in force (user-stop shape, retry lag, end of a VOD playlist). */
  readonly readings: Readings;
  /** Seeded PRNG (0–1) for random retry lags. */
  readonly draw: () => number;
}

export interface TaskInit {
  readonly taskId?: string;
  readonly region?: string;
  readonly taskName?: string;
  readonly startAt?: number;
  readonly endAt?: number;
  readonly sourceType?: SourceType;
  readonly sourceProtocol?: string | undefined;
  readonly sourceUrls?: readonly string[];
  readonly dstUrl?: string;
  readonly callbackUrl?: string;
  readonly retryCount?: number;
  readonly retryInterval?: number;
  readonly repeatNumber?: number;
  readonly offset?: number | undefined;
  readonly fileIndex?: number | undefined;
  /** Initial status; default: 1 (running since startAt) if startAt ≤ now, else 0. */
  readonly status?: TaskStatus;
  readonly invalidReason?: string;
  readonly currentFileIndex?: number;
  readonly currentOffset?: number;
  /** Per-file durations in seconds; default 60–600 s derived from each URL. */
  readonly fileDurations?: readonly number[];
}

/** Fields UpdateLivePullToPush may change, already validated. */
export interface TaskUpdate {
  readonly region?: string;
  readonly startAt?: number;
  readonly endAt?: number;
  readonly sourceUrls?: readonly string[];
  readonly repeatNumber?: number;
  readonly offset?: number;
  readonly callbackUrl?: string;
  readonly fileIndex?: number;
}

const HOUR = 3_600_000;

/**
 * The relay tasks and their life cycle. Time-driven transitions are applied by `evaluate(now)`
 * in time order, so one call after a long jump of the clock replays every step (start, failure,
 * each platform retry, offline, exit) at the moment it happened, and the callbacks carry those
 * times. Fault changes take effect at the clock time they are made: callers evaluate first.
 */
export class RelayEngine {
  readonly #tasks = new Map<string, MutableTask>();
  /** Tasks by DstUrl, kept only when `dstConflicts` is on. */
  readonly #byDst = new Map<string, Set<MutableTask>>();
  readonly #deps: RelayEngineDeps;
  readonly #speed: number;

  constructor(deps: RelayEngineDeps) {
    this.#deps = deps;
    this.#speed = deps.speed ?? 1;
  }

  get size(): number {
    return this.#tasks.size;
  }

  get(taskId: string): MutableTask | undefined {
    return this.#tasks.get(taskId);
  }

  all(): MutableTask[] {
    return [...this.#tasks.values()];
  }

  /** Finds a task the way the API does: by id within a region. Exited tasks are still found. */
  find(region: string, taskId: string): MutableTask {
    const task = this.#tasks.get(taskId);
    if (task === undefined || task.region !== region) throw apiErrors.taskNotExist();
    return task;
  }

  add(init: TaskInit, now: number): MutableTask {
    const startAt = init.startAt ?? now - HOUR;
    const sourceType = init.sourceType ?? 'live';
    const sourceUrls = [...(init.sourceUrls ?? ['rtmp://source.example.com/live/stream'])];
    const started = startAt <= now;
    const status = init.status ?? (started ? 1 : 0);
    const task: MutableTask = {
      taskId: init.taskId ?? this.#deps.newTaskId(),
      region: init.region ?? 'cn-shanghai',
      taskName: init.taskName ?? '',
      startAt,
      endAt: init.endAt ?? Math.max(now, startAt) + 72 * HOUR,
      sourceType,
      sourceProtocol: init.sourceProtocol ?? (sourceType === 'live' ? 'rtmp' : undefined),
      sourceUrls,
      dstUrl: init.dstUrl ?? 'rtmp://push.example.com/live/out',
      callbackUrl: init.callbackUrl ?? '',
      retryCount: init.retryCount ?? 3,
      retryInterval: init.retryInterval ?? 60,
      repeatNumber: init.repeatNumber ?? 0,
      offset: init.offset,
      fileIndex: init.fileIndex,
      status,
      invalidReason: init.invalidReason ?? (status === 3 ? 'PullStreamFailed' : undefined),
      exitReason: undefined,
      exitAt: undefined,
      currentFileIndex: init.currentFileIndex ?? init.fileIndex ?? 0,
      currentOffset: init.currentOffset ?? init.offset ?? 0,
      fileDurations: init.fileDurations ?? sourceUrls.map(defaultFileDuration),
      passes: 0,
      createdAt: now,
      abnormalSince: status === 2 ? now : undefined,
      retriesDone: 0,
      resumeOnRestart: false,
      previousTaskIds: [],
      retryLagMs: 0,
      interruptions: 0,
      // A task seeded as running has been playing since its start time.
      positionAt: status === 1 && init.currentOffset === undefined ? Math.min(startAt, now) : now,
      dueAt: Number.NEGATIVE_INFINITY,
      dueVersion: -1,
    };
    if (this.#tasks.has(task.taskId)) {
      throw apiErrors.invalidParameter(`The task ${task.taskId} already exists.`);
    }
    this.#tasks.set(task.taskId, task);
    if (this.#deps.dstConflicts) {
      const same = this.#byDst.get(task.dstUrl) ?? new Set<MutableTask>();
      same.add(task);
      this.#byDst.set(task.dstUrl, same);
    }
    if (status === 1) this.#movePlayback(task, now);
    return task;
  }

  /**
   * Applies every time-driven transition due up to `now`, in time order. Each task caches when its
   * next step is due (until faults change), so a large healthy fleet costs one comparison per
   * task; playback positions of skipped tasks catch up in `refresh`.
   */
  evaluate(now: number): void {
    const version = this.#planVersion();
    // Deleting the current entry while iterating a Map is safe; evaluation never adds tasks.
    for (const task of this.#tasks.values()) {
      if (task.dueAt > now && task.dueVersion === version) continue;
      this.#evaluateTask(task, now);
    }
  }

  /** Evaluates one task and brings its playback position up to `now` (for views and reads). */
  refresh(task: MutableTask, now: number): void {
    this.#evaluateTask(task, now);
  }

  #evaluateTask(task: MutableTask, now: number): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const step = this.#nextStep(task);
      if (step === undefined || step.at > now) break;
      this.#movePlayback(task, step.at);
      step.apply();
      if (!this.#tasks.has(task.taskId)) return;
    }
    this.#movePlayback(task, now);
    task.dueAt = this.#nextStep(task)?.at ?? Number.POSITIVE_INFINITY;
    task.dueVersion = this.#planVersion();
  }

  /** Cached schedules hold while neither faults nor readings change. */
  #planVersion(): number {
    return this.#deps.faults.version * 65_536 + this.#deps.readings.version;
  }

  /** A task changed outside the schedule (API call, test setup): re-plan it on the next evaluation. */
  #touch(task: MutableTask): void {
    task.dueAt = Number.NEGATIVE_INFINITY;
    targets.delete(task);
  }

  /** The next time-driven change of a task, if any. */
  #nextStep(task: MutableTask): { at: number; apply: () => void } | undefined {
    switch (task.status) {
      case 0: {
        if (task.endAt <= task.startAt) return { at: task.endAt, apply: () => this.#exit(task, task.endAt) };
        const at = Math.max(task.startAt, task.createdAt);
        if (at >= task.endAt) return { at: task.endAt, apply: () => this.#exit(task, task.endAt) };
        return {
          at,
          apply: () => {
            // The first start plays from the configured FileIndex/Offset (Update may change them before it).
            this.#seekConfigured(task);
            this.#start(task, at);
          },
        };
      }
      case 1: {
        const fault = this.#deps.faults.healthOf(targetOf(task));
        const failAt =
          fault === undefined ? Number.POSITIVE_INFINITY : Math.max(fault.since, task.positionAt);
        const finished = this.#playlistEndAt(task);
        if (finished < Math.min(failAt, task.endAt)) {
          return { at: finished, apply: () => this.#stopWithoutReason(task, finished) };
        }
        if (failAt < task.endAt && fault !== undefined) {
          return { at: failAt, apply: () => this.#becomeAbnormal(task, fault.reason, failAt) };
        }
        return { at: task.endAt, apply: () => this.#exit(task, task.endAt) };
      }
      case 2: {
        // The `retryLagMs` reading: every retry of this episode, and so the final stop, runs late.
        const since = (task.abnormalSince ?? task.positionAt) + task.retryLagMs / this.#speed;
        if (task.retriesDone >= task.retryCount) {
          const at = since + (task.retryCount * task.retryInterval * 1000) / this.#speed;
          return {
            at: Math.min(at, task.endAt),
            apply: () => this.#goOffline(task, Math.min(at, task.endAt)),
          };
        }
        const attemptAt = since + ((task.retriesDone + 1) * task.retryInterval * 1000) / this.#speed;
        if (task.endAt <= attemptAt) return { at: task.endAt, apply: () => this.#exit(task, task.endAt) };
        return { at: attemptAt, apply: () => this.#retry(task, attemptAt) };
      }
      case 3:
        return { at: task.endAt, apply: () => this.#exit(task, task.endAt) };
      case -1: {
        const at = (task.exitAt ?? task.endAt) + this.#deps.exitedRetentionMs;
        return { at, apply: () => this.#remove(task) };
      }
    }
  }

  #movePlayback(task: MutableTask, to: number): void {
    if (to <= task.positionAt) return;
    if (task.status === 1) advancePlayback(task, ((to - task.positionAt) / 1000) * this.#speed);
    task.positionAt = to;
  }

  #emit(task: MutableTask, status: TaskStatus, at: number): void {
    this.#deps.onTransition({ task, status, at, callbackUrl: task.callbackUrl });
  }

  #remove(task: MutableTask): void {
    this.#tasks.delete(task.taskId);
    this.#byDst.get(task.dstUrl)?.delete(task);
  }

  /** Other tasks pushing to this task's DstUrl right now (running or retrying). */
  #rivals(task: MutableTask): MutableTask[] {
    if (!this.#deps.dstConflicts) return [];
    return [...(this.#byDst.get(task.dstUrl) ?? [])].filter(
      (other) => other !== task && (other.status === 1 || other.status === 2),
    );
  }

  /** Starts (or restarts) playback at `at`: running if source and destination are healthy, else retrying. */
  #start(task: MutableTask, at: number): void {
    task.positionAt = at;
    task.retriesDone = 0;
    task.abnormalSince = undefined;
    const fault = this.#deps.faults.healthOf(targetOf(task));
    const rivals = fault === undefined ? this.#rivals(task) : [];
    if (rivals.length > 0) {
      // Both pushes to one destination fail: the running rival drops into retrying too.
      for (const rival of rivals.filter((other) => other.status === 1)) {
        this.#movePlayback(rival, at);
        this.#becomeAbnormal(rival, 'PushStreamFailed', at);
        this.#touch(rival);
      }
      this.#becomeAbnormal(task, 'PushStreamFailed', at);
    } else if (fault === undefined) {
      task.status = 1;
      task.invalidReason = undefined;
      this.#emit(task, 1, at);
    } else {
      this.#becomeAbnormal(task, fault.reason, at);
    }
  }

  #becomeAbnormal(task: MutableTask, reason: string, at: number): void {
    task.status = 2;
    task.invalidReason = reason;
    task.abnormalSince = at;
    task.retriesDone = 0;
    task.retryLagMs = this.#deps.readings.retryLagFor(this.#deps.draw);
    this.#emit(task, 2, at);
  }

  /** When a playing vod/url playlist ends, under the `vodEnd: stops` reading; else never. */
  #playlistEndAt(task: MutableTask): number {
    if (this.#deps.readings.values.vodEnd !== 'stops') return Number.POSITIVE_INFINITY;
    const left = secondsUntilPlaylistEnd(task);
    return left === undefined
      ? Number.POSITIVE_INFINITY
      : task.positionAt + Math.ceil((left * 1000) / this.#speed);
  }

  /** The `vodEnd: stops` reading: a finished playlist shows TaskStatus 3 with no reason at all. */
  #stopWithoutReason(task: MutableTask, at: number): void {
    task.status = 3;
    task.invalidReason = undefined;
    task.exitReason = undefined;
    task.abnormalSince = undefined;
    this.#emit(task, 3, at);
  }

  /** One platform retry: back to running if the fault is gone, else count it. */
  #retry(task: MutableTask, at: number): void {
    if (this.#deps.faults.healthOf(targetOf(task)) === undefined && this.#rivals(task).length === 0) {
      task.status = 1;
      task.invalidReason = undefined;
      task.abnormalSince = undefined;
      task.retriesDone = 0;
      this.#emit(task, 1, at);
      return;
    }
    task.retriesDone += 1;
  }

  #goOffline(task: MutableTask, at: number): void {
    task.status = 3;
    task.invalidReason = task.invalidReason ?? 'UnknownError';
    task.abnormalSince = undefined;
    this.#emit(task, 3, at);
  }

  #exit(task: MutableTask, at: number): void {
    task.status = -1;
    task.exitReason = 'OverEndTime';
    task.exitAt = at;
    task.invalidReason = undefined;
    this.#emit(task, -1, at);
  }

  // --- API operations (the caller has evaluated up to `now`) ---

  update(task: MutableTask, update: TaskUpdate, now: number): void {
    if (task.status === -1) throw apiErrors.taskNotExist();
    const changes = Object.keys(update).filter(
      (key) => update[key as keyof TaskUpdate] !== undefined,
    ) as Array<keyof TaskUpdate>;
    if (task.status === 1 || task.status === 2) {
      if (changes.some((key) => key !== 'callbackUrl' && key !== 'repeatNumber'))
        throw apiErrors.taskHasStarted();
    }
    if (update.region !== undefined && update.region !== task.region) {
      // "The Region can be updated only before the task's scheduled start time."
      if (task.status === 3)
        throw apiErrors.invalidParameter(
          'Region can be updated only before the task’s scheduled start time.',
        );
      if (task.status !== 0) throw apiErrors.taskHasStarted();
    }
    // StartTime: "You cannot update this parameter after the task starts" — refused, not ignored.
    if (update.startAt !== undefined && task.status !== 0) throw apiErrors.taskHasStarted();
    const startAt = update.startAt ?? task.startAt;
    const endAt = update.endAt ?? task.endAt;
    if (update.endAt !== undefined || update.startAt !== undefined) {
      if (endAt <= startAt)
        throw apiErrors.illegalDuration('The value of start time should be less than the value of end time.');
      if (update.endAt !== undefined && endAt <= now)
        throw apiErrors.illegalDuration('The end time must be later than the current time.');
    }
    const urls = update.sourceUrls ?? task.sourceUrls;
    if (update.sourceUrls !== undefined) {
      if (task.sourceType === 'live' && urls.length !== 1) {
        throw apiErrors.invalidParameter('SourceUrls must hold exactly one URL for a live source.');
      }
    }
    const fileIndex = update.fileIndex ?? task.fileIndex;
    if (fileIndex !== undefined && task.sourceType !== 'live' && fileIndex >= urls.length) {
      throw apiErrors.invalidParameter(`FileIndex ${fileIndex} is out of range (${urls.length} files).`);
    }

    this.#touch(task);
    if (update.region !== undefined) task.region = update.region;
    if (update.startAt !== undefined) task.startAt = update.startAt;
    if (update.endAt !== undefined) task.endAt = update.endAt;
    if (update.sourceUrls !== undefined) {
      task.sourceUrls = [...update.sourceUrls];
      task.fileDurations = task.sourceUrls.map(defaultFileDuration);
    }
    if (update.repeatNumber !== undefined) task.repeatNumber = update.repeatNumber;
    if (update.callbackUrl !== undefined) task.callbackUrl = update.callbackUrl;
    if (update.offset !== undefined) task.offset = update.offset;
    if (update.fileIndex !== undefined) task.fileIndex = update.fileIndex;
    if (task.status === 3 && (update.offset !== undefined || update.fileIndex !== undefined)) {
      task.resumeOnRestart = true;
    }
  }

  /**
   * Playback from the configured FileIndex/Offset. Offset "applies only to the first video in the
   * playlist" (UpdateLivePullToPush): under the `offsetAppliesTo: playlist-first` reading only when
   * playback starts at file 0; under `start-file` to whichever file FileIndex names.
   */
  #seekConfigured(task: MutableTask): void {
    task.currentFileIndex = task.fileIndex ?? 0;
    const applies =
      this.#deps.readings.values.offsetAppliesTo === 'start-file' || task.currentFileIndex === 0;
    task.currentOffset = applies ? (task.offset ?? 0) : 0;
  }

  /** Returns the TaskId the API reports (a new one when `restartNewTaskId` is on). */
  restart(task: MutableTask, now: number): string {
    if (task.status === -1) throw apiErrors.taskNotExist();
    if (now < task.startAt) {
      // "The restart is invalid if the task has not reached its configured start time."
      throw apiErrors.illegalDuration('The task cannot be restarted before its start time.');
    }
    if (task.status === 1 || task.status === 2) task.interruptions += 1;
    if (this.#deps.restartNewTaskId()) {
      const newId = this.#deps.newTaskId();
      this.#tasks.delete(task.taskId);
      task.previousTaskIds = [...task.previousTaskIds, task.taskId];
      task.taskId = newId;
      this.#tasks.set(newId, task);
    }
    this.#touch(task);
    // A vod/url task starts over, unless FileIndex/Offset were set while it was stopped.
    if (task.resumeOnRestart) {
      this.#seekConfigured(task);
    } else {
      task.currentFileIndex = 0;
      task.currentOffset = 0;
    }
    task.passes = 0;
    task.resumeOnRestart = false;
    task.exitReason = undefined;
    this.#start(task, now);
    return task.taskId;
  }

  stop(task: MutableTask, now: number): void {
    if (task.status === -1) throw apiErrors.taskNotExist();
    if (task.status !== 1 && task.status !== 2) throw apiErrors.taskHasStopped();
    this.#touch(task);
    task.interruptions += 1;
    task.status = 3;
    // The `userStop` reading: which field (if any) says a user stopped it.
    const shape = this.#deps.readings.values.userStop;
    task.invalidReason = shape === 'invalid-reason' ? 'TriggerByUser' : undefined;
    task.exitReason = shape === 'exit-reason' ? 'TriggerByUser' : undefined;
    task.exitAt = shape === 'exit-reason' ? now : undefined;
    task.abnormalSince = undefined;
    task.retriesDone = 0;
    this.#emit(task, 3, now);
  }

  /** Deleted tasks are gone at once (CodeTaskNotExist afterwards); an exit callback is sent. */
  delete(task: MutableTask, now: number): void {
    this.#remove(task);
    if (task.status === -1) return;
    task.status = -1;
    task.exitReason = 'TriggerByUser';
    task.exitAt = now;
    task.invalidReason = undefined;
    this.#emit(task, -1, now);
  }

  /** For tests and seeding: replaces a task's status directly, without callbacks. */
  setStatus(task: MutableTask, status: TaskStatus, now: number, reason?: string): void {
    this.#touch(task);
    task.status = status;
    task.invalidReason = reason;
    task.positionAt = now;
    task.abnormalSince = status === 2 ? now : undefined;
    task.retriesDone = 0;
  }
}

/** Parsed hosts per task, dropped when the task's URLs or id change (`#touch`). */
const targets = new WeakMap<EmulatedTask, FaultTarget>();

function targetOf(task: EmulatedTask): FaultTarget {
  const cached = targets.get(task);
  if (cached !== undefined) return cached;
  const target = computeTarget(task);
  targets.set(task, target);
  return target;
}

function computeTarget(task: EmulatedTask): FaultTarget {
  const hosts: string[] = [];
  for (const url of task.sourceUrls) {
    const host = hostOf(url);
    if (host !== undefined && !hosts.includes(host)) hosts.push(host);
  }
  return { ids: [task.taskId, ...task.previousTaskIds], sourceHosts: hosts, dstHost: hostOf(task.dstUrl) };
}
