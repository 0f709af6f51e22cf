/** Answers remembered for the spread (and the uplink bound); the newest count. */
const RECENT = 32;
/** No credit before this many answers: one burst's answers alike say little about the way back. */
const MIN_ANSWERS = 4;
/** The fastest round trip is kept per minute for this many minutes: the floor the credit is sized on. */
const FLOOR_MINUTES = 5;
const MINUTE_MS = 60_000;
/** Of the recent round trips, this quantile minus the floor is the spread. */
const SPREAD_QUANTILE = 0.9;

/** What a key's log has learned, as plain data (kept in the store between invocations). */
export interface RoundTripMemory {
  /** Recent round trips in ms, newest last. */
  readonly recent: readonly number[];
  /** [minute start (epoch ms), fastest round trip in that minute], oldest first. */
  readonly fastest: ReadonlyArray<readonly [number, number]>;
}

export interface RoundTripLog {
  /** One answered call's round trip (ms), answered at `now`. */
  add(roundTripMs: number, now: number): void;
  /**
   * How much of an answered call's round trip certainly came after the server counted it, in ms:
   * the credit the limiter subtracts from the answer time (0 until it has learned enough).
   */
  creditMs(now: number): number;
  /** How long after admission a call can still be on its way; undefined until learned. */
  uplinkBoundMs(now: number): number | undefined;
  memory(): RoundTripMemory;
}

/**
 * The round trips of one rate-limit key, and the credit they justify (docs/client.md, "Rate
 * limiting"). On a symmetric path half the fastest round trip is spent after the server counted a
 * call — but only if that fastest call was not itself held up on its way there. Two rules keep it
 * safe when the one-way delay spreads (a queue before the server, an event loop shared with it):
 * - the floor is the fastest round trip of the last 5 minutes, not of the last 32 answers: in a
 *   burst every recent call may have queued on its way there, and the floor must come from a call
 *   that did not (NTP's minimum filter, over a longer horizon);
 * - when the recent spread (p90 − floor) exceeds the floor itself, most of the round trip is
 *   variable delay that may sit on the way there, and the credit shrinks linearly to 0 at twice the
 *   floor. At 50–100 ms or 200–400 ms of server work (spread ≈ floor) the full half stays.
 */
export function createRoundTripLog(memory?: RoundTripMemory): RoundTripLog {
  const recent: number[] = [...(memory?.recent ?? [])].slice(-RECENT);
  let fastest: Array<[number, number]> = (memory?.fastest ?? []).map(([minute, ms]) => [minute, ms]);

  const floorOf = (now: number): number | undefined => {
    const since = now - FLOOR_MINUTES * MINUTE_MS;
    fastest = fastest.filter(([minute]) => minute > since);
    if (fastest.length === 0) return undefined;
    return Math.min(...fastest.map(([, ms]) => ms));
  };

  return {
    add(roundTripMs, now) {
      const ms = Math.max(0, roundTripMs);
      recent.push(ms);
      if (recent.length > RECENT) recent.shift();
      const minute = now - (now % MINUTE_MS);
      const last = fastest.at(-1);
      if (last !== undefined && last[0] === minute) last[1] = Math.min(last[1], ms);
      else fastest.push([minute, ms]);
      floorOf(now);
    },
    creditMs(now) {
      const floor = floorOf(now);
      if (floor === undefined || floor <= 0 || recent.length < MIN_ANSWERS) return 0;
      const spread = quantile(recent, SPREAD_QUANTILE) - floor;
      const share = Math.min(1, Math.max(0, 2 - spread / floor));
      return Math.floor((floor / 2) * share);
    },
    uplinkBoundMs(now) {
      if (recent.length < MIN_ANSWERS || floorOf(now) === undefined) return undefined;
      return Math.ceil(Math.min(...recent) / 2);
    },
    memory: () => ({ recent: [...recent], fastest: fastest.map(([minute, ms]) => [minute, ms] as const) }),
  };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
