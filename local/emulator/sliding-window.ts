/**
 * The emulated flow control: at most `limit` admitted calls per key in any sliding `windowMs`,
 * measured in REAL time (the task clock may be manual or sped up; the API's limit is not).
 * Throttled calls are not logged, so a client that backs off gets through once the window slides.
 */
export class SlidingWindowLimiter {
  readonly #log = new Map<string, number[]>();
  #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(limit: number, options: { windowMs?: number; now?: () => number } = {}) {
    this.#limit = limit;
    this.#windowMs = options.windowMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    this.#limit = limit;
  }

  /** Records the call and returns true if admitted; false if this call would exceed the limit. */
  tryAcquire(key: string): boolean {
    const now = this.#now();
    const since = now - this.#windowMs;
    const times = this.#log.get(key) ?? [];
    // Times are appended in order, so the expired ones are a prefix.
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) <= since) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= this.#limit) {
      this.#log.set(key, times);
      return false;
    }
    times.push(now);
    this.#log.set(key, times);
    return true;
  }
}
