import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { createMemoryRateLimiter } from './create-memory-rate-limiter.js';
import type { RateLimit, RateLimiter } from './rate-limiter.js';

/** Until this instance has seen 16 answers for a key, its calls may reach the server this much later. */
const UNKNOWN_UPLINK_MS = 100;

/**
 * A limiter shared by every function instance through the Store's atomic sliding-window log
 * (`Store.acquireRate`): ask; if refused, sleep the returned wait and ask again.
 *
 * The log holds estimated ARRIVALS, like the in-process limiter (docs/client.md, "Rate limiting"),
 * with no extra store round trip per call: the admission script records the LATEST time the call
 * can reach the server — now + this instance's learned way there (the slowest recent call's sending
 * lag plus half its round trip, or all of it when round trips spread) — and admits a call only if
 * fewer than N recorded arrivals lie within the server's window (+ margin) before now, the earliest
 * this call can arrive. Each entry thus carries its own instance's way there, and the window needs
 * no learned margin. `Store.acquireRate` compares against the `now` it is given and counts entries
 * "from the future" too, so it is asked at `now + late` with the window widened by `late`: no new
 * store operation.
 * - Inside this process the calls first pass the in-process limiter, which counts in-flight calls and
 *   learns from answers (createMemoryRateLimiter); only one waiter per key polls the store at a time.
 * - Until 16 answers of a key (a cold instance) nothing is known: late is 100 ms, and
 *   admissions are also PACED account-wide, one per window/limit (a second store key with limit 1),
 *   so a cold instance never releases a burst of N whose last calls reach the server late.
 */
export function createStoreRateLimiter(
  options: RateLimit & {
    readonly store: Store;
    readonly clock: Clock;
    readonly keyPrefix?: string;
    /** Space a cold instance's admissions by window/limit across instances (default true). */
    readonly pace?: boolean;
  },
): RateLimiter {
  const { store, limit, windowMs, clock } = options;
  const marginMs = options.marginMs ?? 0;
  const prefix = options.keyPrefix ?? 'api:';
  const pace = options.pace !== false;
  const local = createMemoryRateLimiter({ limit, windowMs, marginMs, clock });

  /**
   * Asks until admitted; `aheadMs` moves the log's "now" to the call's latest arrival. Returns the
   * time recorded (whole ms, so that `settleRate` finds it again).
   */
  const admit = async (
    key: string,
    max: number,
    window: number,
    aheadMs: number,
    signal?: AbortSignal,
  ): Promise<number> => {
    for (;;) {
      signal?.throwIfAborted();
      const at = Math.ceil(clock.now() + aheadMs);
      const waitMs = await store.acquireRate(key, max, window, at);
      if (waitMs <= 0) return at;
      await clock.sleep(waitMs, signal);
    }
  };

  /**
   * Once answered, the call reached the server by its answer time minus the in-process limiter's
   * credit (the same bound that limiter counts with): its entry moves there, off the pessimistic
   * admission estimate. Not awaited: a failed settlement only leaves the later, safe estimate.
   */
  const settle = (key: string, recordedAt: number): void => {
    const arrivedBy = Math.floor(clock.now() - local.creditMs(key));
    store.settleRate(`${prefix}${key}`, recordedAt, arrivedBy).catch(() => undefined);
  };

  return {
    async acquire(key, signal) {
      const permit = await local.acquire(key, signal);
      try {
        const learned = local.latestArrivalMs(key);
        const late = learned ?? UNKNOWN_UPLINK_MS;
        const window = windowMs + marginMs + late;
        // Pace first, then take the window slot: the slot is recorded right before the call is sent.
        if (pace && learned === undefined)
          await admit(`${prefix}${key}:pace`, 1, Math.floor(window / limit), 0, signal);
        const recordedAt = await admit(`${prefix}${key}`, limit, window, late, signal);
        // The sending lag the way there is learned from counts from here, not from the store's wait.
        permit.admittedNow();
        return {
          ...permit,
          release: (answer) => {
            permit.release(answer);
            if (answer !== undefined) settle(key, recordedAt);
          },
        };
      } catch (error) {
        // Not sent: give the local slot back at once.
        permit.release();
        throw error;
      }
    },
  };
}
