import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { rateKeyOf, rateLimitOf } from '../../lib/aliyun/rate-limiter.js';
import { ManualClock } from '../../lib/clock.js';

/** Lets every pending promise continuation run (one macrotask turn drains the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Starts `count` acquisitions and records the clock time at which each was granted. Each call
 * "completes" at once (its permit is released when granted), as a zero-latency request would.
 */
function startMany(
  limiter: ReturnType<typeof createMemoryRateLimiter>,
  clock: ManualClock,
  key: string,
  count: number,
): number[] {
  const grants: number[] = [];
  for (let i = 0; i < count; i += 1) {
    void limiter.acquire(key).then((permit) => {
      grants.push(clock.now());
      permit.release();
    });
  }
  return grants;
}

describe('in-process sliding-log rate limiter', () => {
  it('derives the window from QPS and margin, and keys by account and action', () => {
    expect(rateLimitOf({ LIVEWATCH_API_QPS: 10, LIVEWATCH_API_WINDOW_MARGIN_MS: 5 })).toEqual({
      limit: 10,
      windowMs: 1000,
      marginMs: 5,
    });
    expect(rateKeyOf('1234', 'DescribeLivePullToPushList')).toBe('1234:DescribeLivePullToPushList');
  });

  it('admits a burst of N at once and the N+1th only when the first leaves the window', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 10, windowMs: 1100, clock });
    const grants = startMany(limiter, clock, 'acct:List', 11);
    await settle();
    expect(grants).toHaveLength(10);
    clock.advance(1099);
    await settle();
    expect(grants).toHaveLength(10);
    clock.advance(1);
    await settle();
    expect(grants).toEqual([...Array(10).fill(0), 1100]);
  });

  it('never admits more than N in any sliding window, even across a window edge', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 10, windowMs: 1000, clock });
    const grants: number[] = [];
    // One call at t=0, then 34 more at t=950 (the "window-edge attack" of operations-anchors §7.2).
    void limiter.acquire('k').then((permit) => {
      grants.push(clock.now());
      permit.release();
    });
    await settle();
    clock.advance(950);
    const later = startMany(limiter, clock, 'k', 34);
    for (let step = 0; step < 400 && later.length < 34; step += 1) {
      await settle();
      clock.advance(10);
    }
    const all = [...grants, ...later].sort((a, b) => a - b);
    expect(all).toHaveLength(35);
    for (let i = 0; i + 10 < all.length; i += 1) {
      // Any 11 consecutive grants span at least the window.
      expect((all[i + 10] as number) - (all[i] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('keeps separate budgets per key', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 2, windowMs: 1000, clock });
    const a = startMany(limiter, clock, 'acct:A', 3);
    const b = startMany(limiter, clock, 'acct:B', 2);
    await settle();
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
  });

  it('serves waiters in arrival order', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 100, clock });
    const order: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      void limiter.acquire('k').then((permit) => {
        order.push(i);
        permit.release();
      });
    }
    for (let step = 0; step < 10; step += 1) {
      await settle();
      clock.advance(100);
    }
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a queued waiter whose signal aborts, without spending a slot', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 1000, clock });
    (await limiter.acquire('k')).release();
    const controller = new AbortController();
    const aborted = limiter.acquire('k', controller.signal);
    const next = startMany(limiter, clock, 'k', 1);
    controller.abort(new Error('deadline'));
    await expect(aborted).rejects.toThrow('deadline');
    clock.advance(1000);
    await settle();
    // The slot freed at t=1000 went to the waiter behind the aborted one.
    expect(next).toEqual([1000]);
  });

  it('counts a call from its completion: a slow call holds its slot until answered', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 1000, clock });
    const slow = await limiter.acquire('k');
    const next = startMany(limiter, clock, 'k', 1);
    // Still in flight after two windows: the server may not even have seen it yet.
    clock.advance(2_000);
    await settle();
    expect(next).toEqual([]);
    slow.release();
    await settle();
    expect(next).toEqual([]);
    clock.advance(999);
    await settle();
    expect(next).toEqual([]);
    clock.advance(1);
    await settle();
    expect(next).toEqual([3_000]);
  });

  it('ignores a second release of the same permit', async () => {
    const clock = new ManualClock(0);
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 1000, clock });
    const permit = await limiter.acquire('k');
    permit.release();
    clock.advance(900);
    permit.release();
    const next = startMany(limiter, clock, 'k', 1);
    clock.advance(100);
    await settle();
    // Counted from the first release (t=0), not the second (t=900).
    expect(next).toEqual([1_000]);
  });
});
