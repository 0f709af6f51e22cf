import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { createKeyedQueue, type RateLimit, type RateLimiter } from './rate-limiter.js';

/**
 * A limiter shared by every function instance through the Store's atomic sliding-window log
 * (`Store.acquireRate`): ask; if refused, sleep the returned wait and ask again. Inside one process
 * the waiters of a key queue up first, so only one of them polls the store at a time.
 */
export function createStoreRateLimiter(
  options: RateLimit & { readonly store: Store; readonly clock: Clock; readonly keyPrefix?: string },
): RateLimiter {
  const { store, limit, windowMs, clock } = options;
  const prefix = options.keyPrefix ?? 'api:';
  const enqueue = createKeyedQueue();

  const takeSlot = async (key: string, signal: AbortSignal | undefined): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = await store.acquireRate(`${prefix}${key}`, limit, windowMs, clock.now());
      if (waitMs <= 0) return;
      await clock.sleep(waitMs, signal);
    }
  };

  return {
    acquire: (key, signal) => enqueue(key, () => takeSlot(key, signal), signal),
  };
}
