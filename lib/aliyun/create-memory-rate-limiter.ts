import type { Clock } from '../clock.js';
import { createRoundTripLog, type RoundTripLog } from './create-round-trip-log.js';
import {
  type CallAnswer,
  createKeyedQueue,
  type RateLimit,
  type RateLimiter,
  type RatePermit,
} from './rate-limiter.js';

/** After a throttle answer: no credit and this much extra slack, for COOL_OFF_MS. */
const THROTTLED_EXTRA_MS = 100;
const COOL_OFF_MS = 60_000;

interface Entry {
  /** When the call was let through (the store-backed limiter moves it to its own admission). */
  admittedAt: number;
  /** When the call leaves the window; undefined while in flight (it may not have arrived yet). */
  until: number | undefined;
}

interface KeyState {
  entries: Entry[];
  /** The key's round trips (written to the socket → answer): the credit (createRoundTripLog). */
  trips: RoundTripLog;
  /** x-acs-retry-after: nothing is admitted before this. */
  blockedUntil: number;
  /** A throttle answer was seen: the learned credit is withdrawn until then. */
  coolOffUntil: number;
  /** Resolves (and is replaced) whenever a permit of this key is released. */
  released: Promise<void>;
  signalReleased: () => void;
}

/** The in-process limiter, which also tells the store-backed one what it has learned. */
/** A permit of the in-process limiter; `admittedNow` restarts its admission → answer time. */
export interface LearningPermit extends RatePermit {
  /** Another gate (the store) held the call until now: its sending lag counts from here. */
  admittedNow(): void;
}

export interface LearningRateLimiter extends RateLimiter {
  acquire(key: string, signal?: AbortSignal): Promise<LearningPermit>;
  /**
   * How long after admission a call of `key` admitted now can still be on its way to the server
   * (createRoundTripLog's `latestArrivalMs`); undefined before 16 answers or while cooling off after a
   * throttle answer.
   */
  latestArrivalMs(key: string): number | undefined;
  /** How long before its answer a call of `key` answered now reached the server at the latest. */
  creditMs(key: string): number;
}

/**
 * An in-process sliding-log limiter over estimated ARRIVAL times: a call is admitted only if fewer
 * than `limit` calls are in the window, where a call counts while in flight and, once answered,
 * until `windowMs + marginMs` after the latest time it can have arrived. Unlike a fixed window or a
 * token bucket it never lets 2N through across a window edge (docs/client.md).
 *
 * The latest arrival of an answered call is its answer time minus a CREDIT: half the fastest
 * round trip of the key's last 5 minutes, less when the recent round trips spread more than that
 * (createRoundTripLog). The way back (and the server's work after counting the call) takes at least
 * that long on a symmetric path — the assumption NTP makes — and the credit moves
 * with everything that delays a call before it arrives (a stalled process, a slow send), because
 * that delays its answer too. A fixed margin would either waste ~10 % (100 ms) or be unsafe under
 * load; the credit costs only the half round trip the server does not see. A call that failed
 * without an answer gets no credit. A throttle answer withdraws the credit and adds 100 ms for a
 * minute, and `x-acs-retry-after` holds the whole key back, not just the call that got it.
 *
 * Correct only when ONE process makes all the calls (the CLI, a benchmark, one pinned poller);
 * function instances share the store-backed limiter, which uses this one inside each instance.
 */
// Longer than ~80 lines on purpose: a closure over one Map of per-key windows; its helpers (stateOf,
// creditMs, release, nextChangeAt) are each short and only make sense over that shared state.
export function createMemoryRateLimiter(options: RateLimit & { readonly clock: Clock }): LearningRateLimiter {
  const { limit, windowMs, clock } = options;
  const marginMs = options.marginMs ?? 0;
  const states = new Map<string, KeyState>();
  const enqueue = createKeyedQueue();

  const stateOf = (key: string): KeyState => {
    let state = states.get(key);
    if (!state) {
      const created: KeyState = {
        entries: [],
        trips: createRoundTripLog(),
        blockedUntil: 0,
        coolOffUntil: 0,
        released: Promise.resolve(),
        signalReleased: () => undefined,
      };
      renewReleased(created);
      states.set(key, created);
      state = created;
    }
    return state;
  };

  const creditMs = (state: KeyState, now: number): number =>
    now < state.coolOffUntil ? 0 : state.trips.creditMs(now);

  const release = (state: KeyState, entry: Entry, answer: CallAnswer | undefined): void => {
    const now = clock.now();
    if (answer === undefined) {
      // No answer: the call may have arrived at any moment until now.
      entry.until = now + windowMs + marginMs;
    } else {
      const sinceAdmissionMs = now - entry.admittedAt;
      state.trips.add({ roundTripMs: answer.roundTripMs ?? sinceAdmissionMs, sinceAdmissionMs }, now);
      if (answer.throttled === true) state.coolOffUntil = now + COOL_OFF_MS;
      if (answer.retryAfterMs !== undefined && answer.retryAfterMs > 0) {
        state.blockedUntil = Math.max(state.blockedUntil, now + answer.retryAfterMs);
      }
      const extra = now < state.coolOffUntil ? THROTTLED_EXTRA_MS : 0;
      entry.until = now - creditMs(state, now) + windowMs + marginMs + extra;
    }
    state.signalReleased();
  };

  /** The earliest time something may change for a full key: a blocked key unblocks, a call leaves. */
  const nextChangeAt = (state: KeyState, now: number): number | undefined => {
    if (now < state.blockedUntil) return state.blockedUntil;
    let earliest: number | undefined;
    for (const entry of state.entries) {
      if (entry.until !== undefined && (earliest === undefined || entry.until < earliest))
        earliest = entry.until;
    }
    return earliest;
  };

  const takeSlot = async (key: string, signal: AbortSignal | undefined): Promise<LearningPermit> => {
    const state = stateOf(key);
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      state.entries = state.entries.filter((entry) => entry.until === undefined || entry.until > now);
      if (now >= state.blockedUntil && state.entries.length < limit) {
        const entry: Entry = { admittedAt: now, until: undefined };
        state.entries.push(entry);
        return {
          release: (answer) => {
            if (entry.until === undefined) release(state, entry, answer);
          },
          admittedNow: () => {
            entry.admittedAt = clock.now();
          },
        };
      }
      await waitForChange(state, nextChangeAt(state, now), now, signal);
    }
  };

  /** Waits until `at` (if any) or until a permit of the key is released, whichever comes first. */
  const waitForChange = async (
    state: KeyState,
    at: number | undefined,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
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
      if (at !== undefined) waits.push(clock.sleep(at - now, stop.signal).catch(() => undefined));
      await Promise.race(waits);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  };

  return {
    acquire: (key, signal) => enqueue(key, () => takeSlot(key, signal), signal),
    latestArrivalMs: (key) => {
      const state = states.get(key);
      const now = clock.now();
      if (state === undefined || now < state.coolOffUntil) return undefined;
      return state.trips.latestArrivalMs(now);
    },
    creditMs: (key) => {
      const state = states.get(key);
      return state === undefined ? 0 : creditMs(state, clock.now());
    },
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
