import type { Config } from '../config/config.js';

/**
 * Admission control for API calls: at most `limit` calls per key ARRIVING at the server in any
 * sliding window of `windowMs`, where keys are `<account>:<action>` (the documented limit is 10
 * calls per second per account, for each action). `acquire` resolves with a permit once the call
 * may be sent, and rejects with the signal's reason if the signal aborts first. The caller
 * releases the permit when the call has been answered (passing what the answer said) or has
 * failed without an answer.
 *
 * Why release: the server counts a call when it ARRIVES, somewhere between our admission and its
 * answer, and under CPU load (many calls signed and sent at once, a descheduled process) the gap
 * can exceed any fixed margin. So a call counts as inside the window while it is in flight, and
 * afterwards from the latest time it can have arrived: its answer, minus the part of the round trip
 * that is certainly spent after arrival (see docs/client.md, "Rate limit").
 */
export interface RateLimiter {
  acquire(key: string, signal?: AbortSignal): Promise<RatePermit>;
}

export interface RatePermit {
  /**
   * The call is over. With `answer`, the server answered (any HTTP response); without, the call
   * failed without one (timeout, connection error, never sent) and may have arrived at any time
   * until now. Idempotent: only the first release counts.
   */
  release(answer?: CallAnswer): void;
}

/** What the server's answer tells the limiter. */
export interface CallAnswer {
  /** The server refused the call for flow control (a `Throttling*` code). */
  readonly throttled?: boolean;
  /** The server's `x-acs-retry-after`, in ms: no call of this key is admitted before it passes. */
  readonly retryAfterMs?: number;
  /**
   * The round trip from the moment the request was fully written to the socket (without our own
   * signing and sending lag, which says nothing about the way back); the admission-to-answer time
   * when unknown.
   */
  readonly roundTripMs?: number;
}

export interface RateLimit {
  readonly limit: number;
  /** The server's window (1000 ms for Alibaba Cloud's per-second limits). */
  readonly windowMs: number;
  /** Fixed slack added to every call's time in the window: clock granularity (default 0). */
  readonly marginMs?: number;
}

/**
 * The limit from the settings: LIVEWATCH_API_QPS calls per 1000 ms, with LIVEWATCH_API_WINDOW_MARGIN_MS
 * of fixed slack; the rest of the margin is learned from the answers (see createMemoryRateLimiter).
 */
export function rateLimitOf(
  config: Pick<Config, 'LIVEWATCH_API_QPS' | 'LIVEWATCH_API_WINDOW_MARGIN_MS'>,
): RateLimit {
  return { limit: config.LIVEWATCH_API_QPS, windowMs: 1000, marginMs: config.LIVEWATCH_API_WINDOW_MARGIN_MS };
}

/** The rate-limit key of one action for one account. */
export function rateKeyOf(accountId: string, action: string): string {
  return `${accountId}:${action}`;
}

/**
 * Runs `task` after every earlier task queued under the same key has settled (FIFO per key), but
 * rejects at once when `signal` aborts while still queued. Used by both limiters so waiters are
 * served in arrival order instead of racing each other every time a slot frees up.
 */
export function createKeyedQueue(): <T>(
  key: string,
  task: () => Promise<T>,
  signal?: AbortSignal,
) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const turn = previous.then(() => {
      signal?.throwIfAborted();
      return task();
    });
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      // Forget idle keys so the map does not grow with every key ever seen.
      if (tails.get(key) === tail) tails.delete(key);
    });
    if (!signal) return turn;
    return raceAbort(turn, signal);
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The queued task sees the aborted signal when its turn comes and rejects; do not leave that unhandled.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
