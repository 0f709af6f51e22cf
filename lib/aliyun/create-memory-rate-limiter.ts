import type { Clock } from '../clock.js';
import { createKeyedQueue, type RateLimit, type RateLimiter, type RatePermit } from './rate-limiter.js';

interface Entry {
  /** Admission time while in flight, completion time once released. */
  at: number;
  inFlight: boolean;
}

interface KeyState {
  entries: Entry[];
  /** Resolves (and is replaced) whenever a permit of this key is released. */
  released: Promise<void>;
  signalReleased: () => void;
}

/**
 * An in-process sliding-log limiter: a call is admitted at time t only if fewer than `limit`
 * calls are in flight or completed in (t − windowMs, t]. Unlike a fixed window or a token bucket it
 * never lets 2N through across a window edge (docs/client.md), and because a call counts
 * from its completion (see RateLimiter), the server never sees more than N arrivals in a window even
 * when sending lags behind admission. Correct only when ONE process makes all the calls (the CLI,
 * a benchmark, one pinned poller); function instances share the store-backed limiter.
 */
export function createMemoryRateLimiter(options: RateLimit & { readonly clock: Clock }): RateLimiter {
  const { limit, windowMs, clock } = options;
  const states = new Map<string, KeyState>();
  const enqueue = createKeyedQueue();

  const stateOf = (key: string): KeyState => {
    let state = states.get(key);
    if (!state) {
      const created: KeyState = { entries: [], released: Promise.resolve(), signalReleased: () => undefined };
      renewReleased(created);
      states.set(key, created);
      state = created;
    }
    return state;
  };

  const takeSlot = async (key: string, signal: AbortSignal | undefined): Promise<RatePermit> => {
    const state = stateOf(key);
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      state.entries = state.entries.filter((entry) => entry.inFlight || entry.at > now - windowMs);
      if (state.entries.length < limit) {
        const entry: Entry = { at: now, inFlight: true };
        state.entries.push(entry);
        return {
          release: () => {
            if (!entry.inFlight) return;
            entry.inFlight = false;
            entry.at = clock.now();
            state.signalReleased();
          },
        };
      }
      // Wait until the oldest completed call leaves the window, or until an in-flight one completes.
      const completed = state.entries.filter((entry) => !entry.inFlight).map((entry) => entry.at);
      // `stop` ends this round's waits: aborted by the caller's signal, or in `finally`, so no
      // listener or clock sleeper outlives the round.
      const stop = new AbortController();
      const onAbort = (): void => stop.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const waits: Array<Promise<unknown>> = [
          state.released,
          new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true })),
        ];
        if (completed.length > 0) {
          waits.push(
            clock.sleep(Math.min(...completed) + windowMs - now, stop.signal).catch(() => undefined),
          );
        }
        await Promise.race(waits);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        stop.abort();
      }
    }
  };

  return {
    acquire: (key, signal) => enqueue(key, () => takeSlot(key, signal), signal),
  };
}

function renewReleased(state: KeyState): void {
  state.released = new Promise<void>((resolve) => {
    state.signalReleased = () => {
      renewReleased(state);
      resolve();
    };
  });
}
