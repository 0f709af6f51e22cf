import type { Config } from '../config/config.js';

/**
 * Admission control for API calls: at most `limit` calls per key in any sliding window of
 * `windowMs`, where keys are `<account>:<action>` (the documented limit is 10 calls per second per
 * account, for each action). `acquire` resolves with a permit once the call may be sent, and
 * rejects with the signal's reason if the signal aborts first. The caller releases the permit when
 * the call has been answered (or has failed).
 *
 * Why release: the server counts a call when it ARRIVES, which is somewhere between our admission
 * and the response. Under CPU load (many calls signed and sent at once) the gap can exceed any
 * fixed margin. The in-process limiter therefore counts a call as inside the window while it is in
 * flight and from its completion afterwards, which bounds the server-side count whatever the lag.
 */
export interface RateLimiter {
  acquire(key: string, signal?: AbortSignal): Promise<RatePermit>;
}

export interface RatePermit {
  /** The call was answered or failed. Idempotent. */
  release(): void;
}

export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * The limit from the settings: LIVEWATCH_API_QPS calls per (1000 ms + LIVEWATCH_API_WINDOW_MARGIN_MS).
 * The margin absorbs clock and network jitter between our window and the server's.
 */
export function rateLimitOf(
  config: Pick<Config, 'LIVEWATCH_API_QPS' | 'LIVEWATCH_API_WINDOW_MARGIN_MS'>,
): RateLimit {
  return { limit: config.LIVEWATCH_API_QPS, windowMs: 1000 + config.LIVEWATCH_API_WINDOW_MARGIN_MS };
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
