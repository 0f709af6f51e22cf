import type { Clock } from '../clock.js';
import { createKeyedQueue, type RateLimit, type RateLimiter } from './rate-limiter.js';

/**
 * An in-process sliding-log limiter: a call is admitted at time t only if fewer than `limit`
 * calls were admitted in (t − windowMs, t]. Unlike a fixed window or a token bucket it never lets
 * 2N through across a window edge (operations-anchors.md §7). Correct only when ONE process makes
 * all the calls (the CLI, one pinned poller); function instances share the store-backed limiter.
 */
export function createMemoryRateLimiter(options: RateLimit & { readonly clock: Clock }): RateLimiter {
  const { limit, windowMs, clock } = options;
  const logs = new Map<string, number[]>();
  const enqueue = createKeyedQueue();

  const takeSlot = async (key: string, signal: AbortSignal | undefined): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      let log = logs.get(key);
      if (!log) {
        log = [];
        logs.set(key, log);
      }
      while (log.length > 0 && (log[0] as number) <= now - windowMs) log.shift();
      if (log.length < limit) {
        log.push(now);
        return;
      }
      // The oldest admission leaves the window at oldest + windowMs; wait exactly until then.
      await clock.sleep((log[0] as number) + windowMs - now, signal);
    }
  };

  return {
    acquire: (key, signal) => enqueue(key, () => takeSlot(key, signal), signal),
  };
}
