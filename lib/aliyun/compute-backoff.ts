export interface BackoffPolicy {
  /** Delay ceiling of the first retry, ms. */
  readonly baseMs: number;
  /** No single delay exceeds this, ms. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 5_000 };

/**
 * "Full jitter" exponential backoff: a uniformly random delay in [0, min(cap, base × 2^attempt)).
 * Randomising the whole interval spreads retries of many callers apart, which matters when the
 * failure was throttling shared by every function instance of the account.
 * `attempt` is 0 for the first retry.
 */
export function computeBackoffMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
