/**
 * Time from outside is bounded. A callback's EventTime is the sender's word: a forged or skewed one
 * dated ahead must not make a snapshot look "newer" than anything the poller or the alert function
 * can ever observe (the poller would skip the task for good). Clocks of the Live service and of
 * Function Compute are NTP-synchronised, so a few seconds cover honest skew.
 */
export const CLOCK_SKEW_MS = 5_000;

/**
 * The observation time to store for a callback: its EventTime, or the receive time when EventTime is
 * later than the receive time plus the skew allowance (`clamped` tells the caller to mark it).
 *
 * @example
 * boundObservedAt(Date.UTC(2200, 0, 1), Date.now()); // { observedAt: Date.now(), clamped: true }
 */
export function boundObservedAt(
  claimedAt: number,
  receivedAt: number,
): { readonly observedAt: number; readonly clamped: boolean } {
  if (claimedAt > receivedAt + CLOCK_SKEW_MS) return { observedAt: receivedAt, clamped: true };
  return { observedAt: claimedAt, clamped: false };
}

/**
 * Whether a stored observation time claims to be from the future (beyond the skew allowance). Such a
 * snapshot was written from a forged or skewed clock before it was bounded: it is never a reason to
 * skip or keep anything, and the API's verified state is written over it.
 */
export function claimsFuture(observedAt: number, now: number): boolean {
  return observedAt > now + CLOCK_SKEW_MS;
}
