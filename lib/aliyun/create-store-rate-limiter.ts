import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { createMemoryRateLimiter } from './create-memory-rate-limiter.js';
import type { RateLimit, RateLimiter } from './rate-limiter.js';

/** Until this instance has seen an answer for a key, calls of other instances may lag this much. */
const UNKNOWN_UPLINK_MS = 100;

/**
 * A limiter shared by every function instance through the Store's atomic sliding-window log
 * (`Store.acquireRate`): ask; if refused, sleep the returned wait and ask again.
 *
 * The store records admission times only, while the server counts arrivals. Three things keep the
 * two close:
 * - inside this process the calls first pass the in-process limiter, which counts in-flight calls
 *   and learns from answers (see createMemoryRateLimiter), so this instance's own sending lag cannot
 *   push its calls together, and only one waiter per key polls the store at a time;
 * - the store's window is the server's plus the fixed margin plus the learned bound on how long a
 *   call is on its way (half the fastest recent round trip; 100 ms before any answer), so another
 *   instance's admission a window ago has certainly arrived by now;
 * - admissions are paced account-wide: at most one per window/limit (a second store key with
 *   limit 1), so instances never release a burst of N calls at once — a burst is exactly what makes
 *   the last calls of a batch arrive late, next to the first calls of the following window.
 * Throughput is unchanged (N per window); a lone call is not delayed.
 */
export function createStoreRateLimiter(
  options: RateLimit & {
    readonly store: Store;
    readonly clock: Clock;
    readonly keyPrefix?: string;
    /** Space admissions by window/limit across instances (default true). */
    readonly pace?: boolean;
  },
): RateLimiter {
  const { store, limit, windowMs, clock } = options;
  const marginMs = options.marginMs ?? 0;
  const prefix = options.keyPrefix ?? 'api:';
  const pace = options.pace !== false;
  const local = createMemoryRateLimiter({ limit, windowMs, marginMs, clock });

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
        const window = windowMs + marginMs + (local.uplinkBoundMs(key) ?? UNKNOWN_UPLINK_MS);
        // Pace first, then take the window slot: the slot is recorded right before the call is sent.
        if (pace) await admit(`${prefix}${key}:pace`, 1, Math.floor(window / limit), signal);
        await admit(`${prefix}${key}`, limit, window, signal);
        return permit;
      } catch (error) {
        // Not sent: give the local slot back at once.
        permit.release();
        throw error;
      }
    },
  };
}
