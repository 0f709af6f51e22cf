import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../lib/clock.js';
import { describeError, InvokeError } from '../../lib/errors.js';
import type { FcContext } from '../../lib/fc/fc-context.js';
import type { Logger } from '../../lib/log.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../../lib/ports/invoker.js';
import type { FcHandler } from './fc-handler.js';

export interface LocalInvocation {
  readonly seq: number;
  readonly functionName: string;
  readonly taskId: string;
  readonly payload: string;
  /** When it was accepted (its age counts from here, as FC's message age does). */
  readonly acceptedAt: number;
  attempts: number;
  /** `waiting`: failed, its retry due at `retryAt`; `failed`: retries or age spent (FC drops it then). */
  status: 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed';
  retryAt?: number;
  error?: string;
}

export interface LocalInvoker extends Invoker {
  /** Every accepted submission, in order (a reused task id is not listed twice). */
  readonly invocations: readonly LocalInvocation[];
  /**
   * Resolves once nothing is queued or running and no retry is due by the clock's now (including work
   * queued while draining). A retry still waiting out its backoff does not count: advance the clock.
   */
  drain(): Promise<void>;
  /** Stops delivering; queued invocations stay queued. */
  close(): void;
}

export interface LocalInvokerOptions {
  /** Function name → handler (e.g. `livewatch-alert` → the alert module's `handler`). */
  readonly functions: Readonly<Record<string, FcHandler>>;
  readonly contextFor: (functionName: string) => FcContext;
  readonly log: Logger;
  /** Retries after a failed run (FC's maxAsyncRetryAttempts default is 3). */
  readonly maxRetries?: number;
  /** An invocation older than this is not retried (FC's maxAsyncEventAgeInSeconds default, 86,400 s). */
  readonly maxAgeMs?: number;
  /** First retry delay, doubling per retry (FC: 0.5 s, then 1, 2, 4 s…). */
  readonly retryDelayMs?: number;
  /** Drives the backoff and the age (default: the system clock). */
  readonly clock?: Clock;
  /** How many invocations run at once (FC runs instances in parallel); default 1, deterministic. */
  readonly concurrency?: number;
}

/**
 * FC asynchronous invocation on one machine: `invokeAsync` queues the payload and returns; delivery
 * happens later, never inside the caller's request. Like FC (docs/callback.md, "Async retries"), a
 * reused task id is accepted and not run again (FC's 409), a payload over 128 KB or an unknown function
 * is refused, and a failed run is retried with a doubling backoff up to `maxRetries` times while it is
 * younger than `maxAgeMs`; after that it is dropped, as FC drops it (the event inbox then re-delivers).
 */
export function createLocalInvoker(options: LocalInvokerOptions): LocalInvoker {
  const maxRetries = options.maxRetries ?? 3;
  const maxAgeMs = options.maxAgeMs ?? 86_400_000;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const clock = options.clock ?? systemClock;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const invocations: LocalInvocation[] = [];
  const seen = new Set<string>();
  const queue: LocalInvocation[] = [];
  let running = 0;
  let scheduled = false;
  let closed = false;
  let waiters: Array<() => void> = [];
  /** Invocations waiting out a retry backoff: checked when idle, instead of every invocation ever made. */
  const waiting = new Set<LocalInvocation>();

  const retryDue = (): boolean => {
    for (const invocation of waiting) if ((invocation.retryAt ?? 0) <= clock.now()) return true;
    return false;
  };
  const idle = (): boolean => queue.length === 0 && running === 0 && !scheduled && !retryDue();
  const settleWaiters = (): void => {
    if (!idle() && !closed) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  const schedule = (): void => {
    if (scheduled || closed) return;
    scheduled = true;
    // setImmediate: delivery never runs inside the caller's turn (an async invocation).
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };

  const pump = (): void => {
    while (!closed && running < concurrency && queue.length > 0) {
      const invocation = queue.shift() as LocalInvocation; // length checked by the loop condition
      running += 1;
      void run(invocation).finally(() => {
        running -= 1;
        if (queue.length > 0) schedule();
        settleWaiters();
      });
    }
    settleWaiters();
  };

  const run = async (invocation: LocalInvocation): Promise<void> => {
    const handler = options.functions[invocation.functionName];
    invocation.attempts += 1;
    invocation.status = 'running';
    try {
      if (!handler) throw new Error(`function ${invocation.functionName} is gone`);
      await handler(Buffer.from(invocation.payload, 'utf8'), options.contextFor(invocation.functionName));
      invocation.status = 'succeeded';
      delete invocation.error;
    } catch (error) {
      invocation.error = describeError(error);
      retryLater(invocation);
    }
  };

  const retryLater = (invocation: LocalInvocation): void => {
    const delay = retryDelayMs * 2 ** (invocation.attempts - 1);
    const retryAt = clock.now() + delay;
    const fields = {
      functionName: invocation.functionName,
      taskId: invocation.taskId,
      error: invocation.error,
    };
    if (invocation.attempts > maxRetries || retryAt - invocation.acceptedAt > maxAgeMs) {
      invocation.status = 'failed';
      options.log.error('async invocation dropped after its retries (as FC drops it)', {
        ...fields,
        attempts: invocation.attempts,
      });
      return;
    }
    invocation.status = 'waiting';
    invocation.retryAt = retryAt;
    waiting.add(invocation);
    options.log.warn('async invocation failed; retrying', {
      ...fields,
      attempt: invocation.attempts,
      delayMs: delay,
    });
    void clock.sleep(delay).then(() => {
      if (closed) return;
      waiting.delete(invocation);
      invocation.status = 'queued';
      delete invocation.retryAt;
      queue.push(invocation);
      schedule();
    });
  };

  return {
    invocations,
    async invokeAsync(functionName: string, payload: string, taskId: string): Promise<void> {
      if (!options.functions[functionName]) {
        throw new InvokeError(`function ${functionName} not found on the local host`, {
          functionName,
          retryable: false,
        });
      }
      if (Buffer.byteLength(payload, 'utf8') > MAX_ASYNC_PAYLOAD_BYTES) {
        throw new InvokeError(`payload exceeds the ${MAX_ASYNC_PAYLOAD_BYTES}-byte async limit`, {
          functionName,
          retryable: false,
        });
      }
      const id = taskId || `req_${randomUUID()}`;
      const dedupeKey = `${functionName}\u0000${id}`;
      // FC answers 409 for a reused task id; the caller counts that as "already queued".
      if (seen.has(dedupeKey)) return;
      seen.add(dedupeKey);
      const invocation: LocalInvocation = {
        seq: invocations.length + 1,
        functionName,
        taskId: id,
        payload,
        acceptedAt: clock.now(),
        attempts: 0,
        status: 'queued',
      };
      invocations.push(invocation);
      queue.push(invocation);
      schedule();
    },
    drain(): Promise<void> {
      if (idle() || closed) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    close(): void {
      closed = true;
      settleWaiters();
    },
  };
}
