import { hashString } from './seeded-random.js';
import { formatUtcSeconds } from './signature.js';

/** The API's TaskStatus: 0 not started, 1 running, 2 abnormal (retrying), 3 stopped, -1 exited. */
export type TaskStatus = -1 | 0 | 1 | 2 | 3;
export type SourceType = 'live' | 'vod' | 'url';

/**
 * One emulated pull-to-push task. Times are epoch ms on the emulator's clock; durations in seconds
 * as the API has them. The emulator hands these objects out read-only for assertions.
 */
export interface EmulatedTask {
  readonly taskId: string;
  readonly region: string;
  readonly taskName: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly sourceType: SourceType;
  readonly sourceProtocol: string | undefined;
  readonly sourceUrls: readonly string[];
  readonly dstUrl: string;
  /** '' means no callbacks. */
  readonly callbackUrl: string;
  readonly retryCount: number;
  /** Seconds between the platform's own retries. */
  readonly retryInterval: number;
  /** vod/url: 0 play once, -1 loop forever, N repeat N more times. */
  readonly repeatNumber: number;
  readonly offset: number | undefined;
  readonly fileIndex: number | undefined;
  readonly status: TaskStatus;
  readonly invalidReason: string | undefined;
  readonly exitReason: string | undefined;
  readonly exitAt: number | undefined;
  readonly currentFileIndex: number;
  /** Seconds into the current file (fractional internally; the API shows it floored). */
  readonly currentOffset: number;
  /** Duration in seconds of each source URL (vod/url), same order as sourceUrls. */
  readonly fileDurations: readonly number[];
  /** Completed passes through the playlist. */
  readonly passes: number;
  readonly createdAt: number;
  /** When the current abnormal spell began (status 2), and how many platform retries failed since. */
  readonly abnormalSince: number | undefined;
  readonly retriesDone: number;
  /** FileIndex/Offset were updated while stopped: the next restart resumes there. */
  readonly resumeOnRestart: boolean;
  /** The TaskIds this task had before restarts that returned a new id (oldest first). */
  readonly previousTaskIds: readonly string[];
  /** How late the platform's retries run in the current failure episode, ms (the `retryLagMs` reading). */
  readonly retryLagMs: number;
  /** Stop and Restart calls applied while the task was streaming (running or retrying): each cut the stream. */
  readonly interruptions: number;
}

export type MutableTask = { -readonly [K in keyof EmulatedTask]: EmulatedTask[K] } & {
  /** Clock time up to which playback position has been computed. */
  positionAt: number;
  /** When the next time-driven step is due, valid while the fault version is `dueVersion`. */
  dueAt: number;
  dueVersion: number;
};

/** Deterministic 60–600 s per file, from its URL, so tests can compute positions. */
export function defaultFileDuration(url: string): number {
  return 60 + (hashString(url) % 541);
}

/**
 * Moves the playback position of a vod/url task forward by `seconds` through its playlist,
 * honouring RepeatNumber. At the end of the last pass the position stays at the end of the last
 * file (the emulator keeps such a task running; see the README section).
 */
export function advancePlayback(task: MutableTask, seconds: number): void {
  const durations = task.fileDurations;
  if (task.sourceType === 'live' || durations.length === 0 || seconds <= 0) return;
  const total = durations.reduce((sum, d) => sum + d, 0);
  let remaining = seconds;
  let guard = 0;
  while (remaining > 0 && guard++ < 10_000) {
    if (isPlaylistFinished(task)) return;
    // Whole passes at once, so a looping task over days of virtual time stays cheap.
    if (task.currentFileIndex === 0 && task.currentOffset === 0 && remaining >= total && total > 0) {
      const whole = Math.floor(remaining / total);
      const allowed = task.repeatNumber === -1 ? whole : Math.min(whole, task.repeatNumber + 1 - task.passes);
      if (allowed > 0) {
        task.passes += allowed;
        remaining -= allowed * total;
        if (isPlaylistFinished(task)) {
          parkAtEnd(task);
          return;
        }
        continue;
      }
    }
    const duration = durations[task.currentFileIndex] ?? 0;
    const left = duration - task.currentOffset;
    if (remaining < left) {
      task.currentOffset += remaining;
      return;
    }
    remaining -= left;
    task.currentFileIndex += 1;
    task.currentOffset = 0;
    if (task.currentFileIndex >= durations.length) {
      task.passes += 1;
      if (isPlaylistFinished(task)) {
        parkAtEnd(task);
        return;
      }
      task.currentFileIndex = 0;
    }
  }
}

/**
 * Seconds of playback left until a vod/url playlist has played to its end (all its repeats), from
 * the current position; undefined for live sources and endless loops.
 */
export function secondsUntilPlaylistEnd(task: MutableTask): number | undefined {
  const durations = task.fileDurations;
  if (task.sourceType === 'live' || task.repeatNumber === -1 || durations.length === 0) return undefined;
  if (isPlaylistFinished(task)) return 0;
  const total = durations.reduce((sum, d) => sum + d, 0);
  let left = (durations[task.currentFileIndex] ?? 0) - task.currentOffset;
  for (let i = task.currentFileIndex + 1; i < durations.length; i++) left += durations[i] ?? 0;
  return Math.max(0, left + (task.repeatNumber - task.passes) * total);
}

function isPlaylistFinished(task: MutableTask): boolean {
  return task.repeatNumber !== -1 && task.passes > task.repeatNumber;
}

function parkAtEnd(task: MutableTask): void {
  const last = task.fileDurations.length - 1;
  task.currentFileIndex = Math.max(0, last);
  task.currentOffset = task.fileDurations[last] ?? 0;
}

/** The `TaskInfo` object of Describe/List responses and callbacks (note `CallbackURL`). */
export function taskInfoOf(task: EmulatedTask): Record<string, unknown> {
  return {
    TaskId: task.taskId,
    TaskName: task.taskName,
    StartTime: formatUtcSeconds(task.startAt),
    EndTime: formatUtcSeconds(task.endAt),
    SourceType: task.sourceType,
    ...(task.sourceProtocol === undefined ? {} : { SourceProtocol: task.sourceProtocol }),
    SourceUrls: [...task.sourceUrls],
    DstUrl: task.dstUrl,
    CallbackURL: task.callbackUrl,
    RetryCount: task.retryCount,
    RetryInterval: task.retryInterval,
    RepeatNumber: task.repeatNumber,
    Offset: task.offset ?? 0,
    FileIndex: task.fileIndex ?? 0,
  };
}

/** A task as DescribeLivePullToPush / the list's `TaskList[]` show it. */
export function taskViewOf(task: EmulatedTask): Record<string, unknown> {
  return {
    TaskId: task.taskId,
    TaskStatus: task.status,
    ...(task.invalidReason !== undefined && (task.status === 2 || task.status === 3)
      ? { TaskInvalidReason: task.invalidReason }
      : {}),
    ...((task.status === -1 || task.status === 3) && task.exitReason !== undefined
      ? { TaskExitReason: task.exitReason, TaskExitTime: Math.floor((task.exitAt ?? 0) / 1000) }
      : {}),
    CurrentOffset: Math.floor(task.currentOffset),
    CurrentFileIndex: task.currentFileIndex,
    TaskInfo: taskInfoOf(task),
  };
}
