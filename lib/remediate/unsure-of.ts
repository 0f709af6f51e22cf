import type { RestartLedger } from '../store/store.js';

/**
 * Why livewatch cannot tell more about a task than its snapshot says: a restart whose outcome is
 * unknown (docs/alert.md, "Ledger states"), or a verification that kept failing and was reported
 * ("Verification budget"). Shown by `livewatch status` and the status page, even while the
 * snapshot looks healthy.
 */
export type Unsure =
  | { readonly kind: 'restart-unknown' }
  | { readonly kind: 'cannot-verify'; readonly attempts: number; readonly lastError: string };

export function unsureOf(ledger: RestartLedger | undefined): Unsure | undefined {
  if (ledger?.attempt !== undefined) return { kind: 'restart-unknown' };
  const failures = ledger?.verifyFailures;
  if (failures?.reportedAt === undefined) return undefined;
  return { kind: 'cannot-verify', attempts: failures.count, lastError: failures.lastError };
}

/** The CLI's English line for it. */
export function describeUnsure(unsure: Unsure): string {
  return unsure.kind === 'restart-unknown'
    ? 'restart outcome unknown, being verified'
    : `cannot verify (${unsure.attempts} attempts): ${unsure.lastError}`;
}
