import type { Clock } from '../../lib/clock.js';
import { describeError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { FaultState } from './faults.js';
import { createJsonPoster } from './post-json.js';
import type { TaskTransition } from './relay-engine.js';
import { taskInfoOf } from './relay-task.js';

export interface CallbackOptions {
  /** Per attempt, real time. Default 5000. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on non-2xx or timeout. Default 5. */
  readonly retries?: number;
  /** Delay between attempts on the emulator's clock. Default 1000. */
  readonly retryDelayMs?: number;
  /** 'doc' sends the documented misspelling `LivePullToPushRuning`; 'correct' sends `LivePullToPushRunning`. */
  readonly eventSpelling?: 'doc' | 'correct';
}

export interface CallbackLogEntry {
  readonly url: string;
  readonly body: unknown;
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly status?: number;
  readonly error?: string;
  /** Emulator clock time of the attempt. */
  readonly at: number;
}

export interface CallbackStats {
  readonly events: number;
  readonly attempts: number;
  readonly delivered: number;
  /** Events given up after all retries. */
  readonly failed: number;
  readonly dropped: number;
  readonly duplicated: number;
  readonly pending: number;
}

interface Pending {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly taskId: string;
  dueAt: number;
  attempt: number;
}

const MAX_LOG = 100_000;
const CONCURRENCY = 16;

/**
 * Sends task callbacks the way Live does (POST JSON, 5 s timeout, up to 5 retries 1 s apart) and
 * applies the callback faults (drop, duplicate, delay, reorder). Deliveries of one task go in
 * order; different tasks go in parallel. Retry delays run on the emulator's clock, so a test with
 * a ManualClock decides when a retry happens; `flush()` delivers everything due and waits.
 */
export class CallbackDispatcher {
  readonly log: CallbackLogEntry[] = [];
  #queue: Pending[] = [];
  readonly #clock: Clock;
  readonly #faults: FaultState;
  readonly #draw: () => number;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #runningEvent: string;
  readonly #poster = createJsonPoster();
  #held: Pending | undefined;
  #pump: Promise<void> | undefined;
  #closed = false;
  readonly #counts = { events: 0, attempts: 0, delivered: 0, failed: 0, dropped: 0, duplicated: 0 };

  constructor(deps: {
    clock: Clock;
    faults: FaultState;
    draw: () => number;
    log: Logger;
    options?: CallbackOptions | undefined;
  }) {
    this.#clock = deps.clock;
    this.#faults = deps.faults;
    this.#draw = deps.draw;
    this.#logger = deps.log;
    this.#timeoutMs = deps.options?.timeoutMs ?? 5000;
    this.#retries = deps.options?.retries ?? 5;
    this.#retryDelayMs = deps.options?.retryDelayMs ?? 1000;
    this.#runningEvent =
      deps.options?.eventSpelling === 'correct' ? 'LivePullToPushRunning' : 'LivePullToPushRuning';
  }

  /** Builds the documented body for a transition and queues it (if the task has a CallbackUrl). */
  enqueue(transition: TaskTransition): void {
    if (transition.callbackUrl === '' || this.#closed) return;
    const { task, status, at } = transition;
    const eventTime = String(Math.floor(at / 1000));
    const body: Record<string, unknown> =
      status === -1
        ? {
            Event: 'LivePullToPushExit',
            EventTime: eventTime,
            TaskId: task.taskId,
            TaskInfo: taskInfoOf(task),
            TaskStatus: -1,
            TaskExitReason: task.exitReason ?? 'OverEndTime',
            TaskExitTime: Math.floor((task.exitAt ?? at) / 1000),
          }
        : {
            Event: this.#runningEvent,
            EventTime: eventTime,
            TaskId: task.taskId,
            TaskInfo: taskInfoOf(task),
            TaskStatus: status,
            ...(status === 3 && task.invalidReason !== undefined
              ? { TaskInvalidReason: task.invalidReason }
              : {}),
          };
    this.#counts.events += 1;
    const faults = this.#faults.callbacks;
    if (this.#faults.takeDropNext() || (faults.drop !== undefined && this.#draw() < faults.drop)) {
      this.#counts.dropped += 1;
      return;
    }
    const item: Pending = {
      url: transition.callbackUrl,
      body,
      taskId: task.taskId,
      dueAt: this.#clock.now() + (faults.delayMs ?? 0),
      attempt: 0,
    };
    const copies =
      this.#faults.takeDuplicateNext() || (faults.duplicate !== undefined && this.#draw() < faults.duplicate)
        ? 2
        : 1;
    if (copies === 2) this.#counts.duplicated += 1;
    for (let i = 0; i < copies; i++) {
      const copy = { ...item };
      if (faults.reorder === true) {
        // Pairwise swap: hold this one until the next arrives, then send the newer first.
        if (this.#held === undefined) {
          this.#held = copy;
          continue;
        }
        const held = this.#held;
        this.#held = undefined;
        held.dueAt = Math.max(held.dueAt, copy.dueAt);
        copy.dueAt = held.dueAt;
        this.#queue.push(copy, held);
      } else {
        this.#queue.push(copy);
      }
    }
    this.kick();
  }

  /** Starts delivering what is due in the background (no-op if a delivery pass is running). */
  kick(): void {
    if (this.#pump !== undefined || this.#closed) return;
    if (!this.#queue.some((item) => item.dueAt <= this.#clock.now())) return;
    this.#pump = this.#deliverDue().finally(() => {
      this.#pump = undefined;
    });
  }

  /** Releases a held (reorder) callback, delivers everything due now, and waits for it. */
  async flush(): Promise<void> {
    if (this.#held !== undefined) {
      this.#queue.push(this.#held);
      this.#held = undefined;
    }
    while (true) {
      if (this.#pump !== undefined) {
        await this.#pump;
        continue;
      }
      if (this.#closed || !this.#queue.some((item) => item.dueAt <= this.#clock.now())) return;
      this.kick();
    }
  }

  stats(): CallbackStats {
    return { ...this.#counts, pending: this.#queue.length + (this.#held === undefined ? 0 : 1) };
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#poster.close();
  }

  async #deliverDue(): Promise<void> {
    while (!this.#closed) {
      const now = this.#clock.now();
      const due: Pending[] = [];
      const later: Pending[] = [];
      for (const item of this.#queue) (item.dueAt <= now ? due : later).push(item);
      if (due.length === 0) return;
      this.#queue = later;
      // Per task in order; tasks in parallel, at most CONCURRENCY at a time.
      const byTask = new Map<string, Pending[]>();
      for (const item of due) {
        const lane = byTask.get(item.taskId);
        if (lane === undefined) byTask.set(item.taskId, [item]);
        else lane.push(item);
      }
      const lanes = [...byTask.values()];
      const workers = Array.from({ length: Math.min(CONCURRENCY, lanes.length) }, async () => {
        for (let lane = lanes.shift(); lane !== undefined; lane = lanes.shift()) {
          for (const item of lane) await this.#attempt(item);
        }
      });
      await Promise.all(workers);
    }
  }

  async #attempt(item: Pending): Promise<void> {
    item.attempt += 1;
    this.#counts.attempts += 1;
    const at = this.#clock.now();
    let status: number | undefined;
    let error: string | undefined;
    try {
      status = await this.#poster.post(item.url, item.body, this.#timeoutMs);
    } catch (caught) {
      error = describeError(caught);
    }
    this.#record({
      url: item.url,
      body: item.body,
      taskId: item.taskId,
      attempt: item.attempt,
      at,
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
    });
    if (status !== undefined && status >= 200 && status < 300) {
      this.#counts.delivered += 1;
      return;
    }
    if (item.attempt > this.#retries || this.#closed) {
      this.#counts.failed += 1;
      this.#logger.warn('emulator callback gave up', {
        url: item.url,
        taskId: item.taskId,
        attempts: item.attempt,
        status,
        error,
      });
      return;
    }
    item.dueAt = this.#clock.now() + this.#retryDelayMs;
    this.#queue.push(item);
  }

  #record(entry: CallbackLogEntry): void {
    if (this.log.length >= MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG + 1);
    this.log.push(entry);
  }
}
