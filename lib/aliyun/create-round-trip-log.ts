/** Answers remembered for the spread (and the uplink bound); the newest count. */
const RECENT = 32;
/** No credit before this many answers: one burst's answers alike say little about the way back. */
const MIN_ANSWERS = 4;
/**
 * No latest arrival before this many: it is the slowest call's half round trip, and a call's way there
 * can exceed half of a few round trips (20–60 ms each way: 4 answers can all be under 120 ms).
 */
const MIN_ANSWERS_FOR_LATEST = 16;
/** The fastest round trip is kept per minute for this many minutes: the floor the credit is sized on. */
const FLOOR_MINUTES = 5;
const MINUTE_MS = 60_000;
/** Of the recent round trips, this quantile minus the floor is the spread. */
const SPREAD_QUANTILE = 0.9;

/** What a key's log has learned, as plain data (kept in the store between invocations). */
export interface RoundTripMemory {
  /** Recent round trips in ms, newest last. */
  readonly recent: readonly number[];
  /** Recent admission → answer times in ms (the round trip plus our own signing and sending lag). */
  readonly sinceAdmission: readonly number[];
  /** [minute start (epoch ms), fastest round trip in that minute], oldest first. */
  readonly fastest: ReadonlyArray<readonly [number, number]>;
}

export interface RoundTripLog {
  /**
   * One answered call, answered at `now`: its round trip from the socket (ms) and the time since its
   * admission (the round trip plus our signing and sending lag).
   */
  add(trip: { readonly roundTripMs: number; readonly sinceAdmissionMs: number }, now: number): void;
  /**
   * How much of an answered call's round trip certainly came after the server counted it, in ms:
   * the credit the limiter subtracts from the answer time (0 until it has learned enough).
   */
  creditMs(now: number): number;
  /**
   * How long after its admission a call admitted now can still be on its way to the server, in ms:
   * the slowest recent call's signing and sending lag plus the share of its round trip that may
   * have been the way there (half on a symmetric path; all of it when the round trips spread as
   * `creditMs` judges). Undefined before 16 answers.
   */
  latestArrivalMs(now: number): number | undefined;
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
  const sinceAdmission: number[] = [...(memory?.sinceAdmission ?? [])].slice(-RECENT);
  let fastest: Array<[number, number]> = (memory?.fastest ?? []).map(([minute, ms]) => [minute, ms]);

  const floorOf = (now: number): number | undefined => {
    const since = now - FLOOR_MINUTES * MINUTE_MS;
    fastest = fastest.filter(([minute]) => minute > since);
    if (fastest.length === 0) return undefined;
    return Math.min(...fastest.map(([, ms]) => ms));
  };

  return {
    add(trip, now) {
      const ms = Math.max(0, Math.min(trip.roundTripMs, trip.sinceAdmissionMs));
      recent.push(ms);
      if (recent.length > RECENT) recent.shift();
      sinceAdmission.push(Math.max(ms, trip.sinceAdmissionMs));
      if (sinceAdmission.length > RECENT) sinceAdmission.shift();
      const minute = now - (now % MINUTE_MS);
      const last = fastest.at(-1);
      if (last !== undefined && last[0] === minute) last[1] = Math.min(last[1], ms);
      else fastest.push([minute, ms]);
      floorOf(now);
    },
    creditMs: (now) => creditOf(now),
    latestArrivalMs(now) {
      const floor = floorOf(now);
      if (recent.length < MIN_ANSWERS_FOR_LATEST || floor === undefined) return undefined;
      const wayThere = 1 - shareOf(floor) / 2;
      let latest = 0;
      for (const [i, trip] of recent.entries())
        latest = Math.max(latest, (sinceAdmission[i] ?? trip) - trip + trip * wayThere);
      return Math.ceil(latest);
    },
    memory: () => ({
      recent: [...recent],
      sinceAdmission: [...sinceAdmission],
      fastest: fastest.map(([minute, ms]) => [minute, ms] as const),
    }),
  };

  function creditOf(now: number): number {
    const floor = floorOf(now);
    if (floor === undefined || floor <= 0 || recent.length < MIN_ANSWERS) return 0;
    return Math.floor((floor / 2) * shareOf(floor));
  }

  /** 1 while the recent spread (p90 − floor) is at most the floor, falling linearly to 0 at twice it. */
  function shareOf(floor: number): number {
    if (floor <= 0) return 0;
    const spread = quantile(recent, SPREAD_QUANTILE) - floor;
    return Math.min(1, Math.max(0, 2 - spread / floor));
  }
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
