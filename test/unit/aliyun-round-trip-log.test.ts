import { describe, expect, it } from 'vitest';
import { createRoundTripLog } from '../../lib/aliyun/create-round-trip-log.js';

/** The credit rule of the in-process limiter, on round trips with chosen times (no clock needed). */

const MINUTE = 60_000;

/** Adds `trips` round trips, one every 100 ms from `at`; returns the time after the last. */
function feed(log: ReturnType<typeof createRoundTripLog>, trips: readonly number[], at: number): number {
  let now = at;
  for (const ms of trips) {
    log.add({ roundTripMs: ms, sinceAdmissionMs: ms + 2 }, now);
    now += 100;
  }
  return now;
}

/** 50, 51.6, …, 100 ms: the emulator's uniform server work, all of it after the call was counted. */
const UNIFORM_50_100 = Array.from({ length: 32 }, (_, i) => 50 + (50 * i) / 31);

describe('the credit: how much of a round trip certainly came after the server counted the call', () => {
  it('is nothing before 4 answers; the latest arrival is known after 16', () => {
    const log = createRoundTripLog();
    let now = feed(log, [80, 80, 80], 0);
    expect(log.creditMs(now)).toBe(0);
    log.add({ roundTripMs: 80, sinceAdmissionMs: 90 }, now);
    expect(log.creditMs(now)).toBe(40);
    expect(log.latestArrivalMs(now)).toBeUndefined();
    now = feed(log, Array(11).fill(80), now);
    expect(log.latestArrivalMs(now)).toBeUndefined();
    log.add({ roundTripMs: 80, sinceAdmissionMs: 80 }, now);
    // The slowest call's sending lag (10 ms) plus half its round trip.
    expect(log.latestArrivalMs(now)).toBe(50);
  });

  it('is half the fastest round trip when the spread is the server work (50–100 ms)', () => {
    const log = createRoundTripLog();
    const now = feed(log, UNIFORM_50_100, 0);
    expect(log.creditMs(now)).toBe(25);
    // Sending lag 2 ms + half of 100 ms.
    expect(log.latestArrivalMs(now)).toBe(52);
  });

  it('comes from the fastest call of the last 5 minutes, not from a burst that queued on its way there', () => {
    const log = createRoundTripLog();
    // A quiet minute: 10 ms round trips.
    let now = feed(log, [10, 12, 11, 10], 0);
    // Two minutes later a burst whose every call waited 300–700 ms in a queue before the server.
    now = feed(
      log,
      Array.from({ length: 40 }, (_, i) => 300 + 10 * i),
      now + 2 * MINUTE,
    );
    // Half the fastest of the last 32 would credit 150 ms; the way back of those calls was ~5 ms.
    expect(log.creditMs(now)).toBe(0);
    // And the way there may have been all of the slowest round trip (690 ms + 2 ms sending lag).
    expect(log.latestArrivalMs(now)).toBe(692);
  });

  it('shrinks to nothing when the recent round trips spread over twice the floor', () => {
    const spread = (top: number): number => {
      const log = createRoundTripLog();
      const trips = Array.from({ length: 32 }, (_, i) => 40 + ((top - 40) * i) / 31);
      return log.creditMs(feed(log, trips, 0));
    };
    // p90 − floor ≤ floor: the full half.
    expect(spread(80)).toBe(20);
    // p90 − floor between one and two floors: linearly less.
    const between = spread(110);
    expect(between).toBeGreaterThan(0);
    expect(between).toBeLessThan(20);
    // p90 − floor ≥ 2 × floor (a heavy tail, a queue): none.
    expect(spread(400)).toBe(0);
  });

  it('forgets a fastest round trip after 5 minutes, so a slower path is learned again', () => {
    const log = createRoundTripLog();
    let now = feed(log, [20, 20, 20, 20], 0);
    expect(log.creditMs(now)).toBe(10);
    now = feed(log, Array(32).fill(200), now + 6 * MINUTE);
    expect(log.creditMs(now)).toBe(100);
  });

  it('carries what it learned over as plain data (the store keeps it between invocations)', () => {
    const log = createRoundTripLog();
    const now = feed(log, UNIFORM_50_100, 0);
    const again = createRoundTripLog(JSON.parse(JSON.stringify(log.memory())));
    expect(again.creditMs(now)).toBe(log.creditMs(now));
    expect(again.latestArrivalMs(now)).toBe(log.latestArrivalMs(now));
    // Memory older than the floor's horizon credits nothing.
    expect(again.creditMs(now + 6 * MINUTE)).toBe(0);
  });
});
