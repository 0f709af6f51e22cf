import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { createMemoryRateLimiter } from './create-memory-rate-limiter.js';
import type { RateLimit, RateLimiter } from './rate-limiter.js';

/**
 * A limiter shared by every function instance through the Store's atomic sliding-window log
 * (`Store.acquireRate`): ask; if refused, sleep the returned wait and ask again.
 *
 * The store records admission times only, while the server counts arrivals. Two things keep the
 * two close:
 * - inside this process the calls first pass an in-process limiter that counts in-flight calls
 *   (see RateLimiter), so this instance's own sending lag cannot push its calls together, and only
 *   one waiter per key polls the store at a time;
 * - admissions are paced account-wide: at most one per windowMs/limit (a second store key with
 *   limit 1), so instances never release a burst of N calls at once — a burst is exactly what makes
 *   the last calls of a batch arrive late, next to the first calls of the following window.
 * Throughput is unchanged (N per window); a lone call is not delayed.
 */
export function createStoreRateLimiter(
  options: RateLimit & {
    readonly store: Store;
    readonly clock: Clock;
    readonly keyPrefix?: string;
    /** Space admissions by windowMs/limit across instances (default true). */
    readonly pace?: boolean;
  },
): RateLimiter {
  const { store, limit, windowMs, clock } = options;
  const prefix = options.keyPrefix ?? 'api:';
  const spacingMs = options.pace === false ? 0 : Math.floor(windowMs / limit);
  const local = createMemoryRateLimiter({ limit, windowMs, clock });

  const admit = async (key: string, max: number, window: number, signal?: AbortSignal): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = await store.acquireRate(key, max, window, clock.now());
      if (waitMs <= 0) return;
      await clock.sleep(waitMs, signal);
    }
  };

  return {
    async acquire(key, signal) {
      const permit = await local.acquire(key, signal);
      try {
        // Pace first, then take the window slot: the slot is recorded right before the call is sent.
        if (spacingMs > 0) await admit(`${prefix}${key}:pace`, 1, spacingMs, signal);
        await admit(`${prefix}${key}`, limit, windowMs, signal);
        return permit;
      } catch (error) {
        // Not sent: give the local slot back at once.
        permit.release();
        throw error;
      }
    },
  };
}
