import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { createMemoryRateLimiter } from './create-memory-rate-limiter.js';
import type { RateLimit, RateLimiter } from './rate-limiter.js';

/**
 * A limiter shared by every function instance through the Store's atomic sliding-window log
 * (`Store.acquireRate`): ask; if refused, sleep the returned wait and ask again.
 *
 * The store records admission times only, so inside this process the calls first pass an
 * in-process limiter (which also counts in-flight calls, see RateLimiter): waiters of a key queue up
 * there, only one of them polls the store at a time, and this instance's own sending lag cannot push
 * its calls together. Across instances the store's log plus the window margin is the bound.
 */
export function createStoreRateLimiter(
  options: RateLimit & { readonly store: Store; readonly clock: Clock; readonly keyPrefix?: string },
): RateLimiter {
  const { store, limit, windowMs, clock } = options;
  const prefix = options.keyPrefix ?? 'api:';
  const local = createMemoryRateLimiter({ limit, windowMs, clock });

  return {
    async acquire(key, signal) {
      const permit = await local.acquire(key, signal);
      try {
        for (;;) {
          signal?.throwIfAborted();
          const waitMs = await store.acquireRate(`${prefix}${key}`, limit, windowMs, clock.now());
          if (waitMs <= 0) return permit;
          await clock.sleep(waitMs, signal);
        }
      } catch (error) {
        // Not sent: give the local slot back at once.
        permit.release();
        throw error;
      }
    },
  };
}
