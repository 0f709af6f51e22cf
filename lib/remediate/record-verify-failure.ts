import { AliyunApiError, describeError } from '../errors.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { RestartLedger } from '../store/store.js';
import { verifyFailedNotice } from './relay-notices.js';
import type { RemediationDeps } from './remediation-deps.js';
import { applyVerifyFailed, clearVerifyFailures, createLedger, VERIFY_ATTEMPTS } from './restart-ledger.js';

interface Target {
  readonly key: string;
  readonly ref: { readonly region: string; readonly taskId: string };
  /** The task's name, for the notice, when known. */
  readonly name?: string | undefined;
}

/**
 * A task could not be verified through the API (docs/alert.md, "Verification budget"): retried by
 * the tick with backoff (the tick interval doubling) up to VERIFY_ATTEMPTS, then recorded in its
 * history and reported ONCE, and not retried until a verification succeeds — never a loop. A request
 * the API refused for good (not retryable) is reported at once. Resolves with the error in words.
 */
export async function recordVerifyFailure(
  deps: RemediationDeps,
  target: Target,
  error: unknown,
): Promise<string> {
  const now = deps.clock.now();
  const described = describeError(error);
  const permanent = !(error instanceof AliyunApiError && error.retryable);
  const decided: { next: ReturnType<typeof applyVerifyFailed>['next'] } = { next: { kind: 'quiet' } };
  const { after } = await updateDocument(deps.store.ledgers, target.key, (current) => {
    const ledger = current ?? createLedger(target.ref.taskId, target.ref.region);
    if (ledger.needsPerson) return undefined; // a person is on it already: no re-check, no report
    const applied = applyVerifyFailed(ledger, {
      now,
      error: described,
      permanent,
      tickMs: deps.config.LIVEWATCH_TICK_INTERVAL_S * 1000,
    });
    decided.next = applied.next;
    return applied.ledger;
  });
  const { next } = decided;
  if (next.kind === 'retry') {
    deps.log.warn('could not verify a task; the tick retries', { key: target.key, error, retryAt: next.at });
    return described;
  }
  if (next.kind === 'report') {
    const count = after?.verifyFailures?.count ?? 1;
    const detail = permanent
      ? `the API refused to describe it (${described}); not retried until a new event or the poller brings it back`
      : `${count} of ${VERIFY_ATTEMPTS} verification attempts failed (last: ${described}); not retried until a new event or the poller brings it back`;
    await deps.store.appendHistory(target.key, {
      at: now,
      type: 'verify-failed',
      message: `could not verify: ${detail}`,
      data: { source: 'verify', attempts: count, permanent, error: described },
    });
    await deps.notifier.notify(verifyFailedNotice(labelOf(target), 'firing', now, detail));
  }
  return described;
}

/** The task was verified: a failure count starts over, and a reported failure is resolved. */
export async function clearVerifyFailure(
  deps: RemediationDeps,
  target: Target,
  ledger: RestartLedger | undefined,
): Promise<RestartLedger | undefined> {
  const failures = ledger?.verifyFailures;
  if (failures === undefined) return ledger;
  const { after } = await updateDocument(deps.store.ledgers, target.key, (current) =>
    current?.verifyFailures === undefined ? undefined : clearVerifyFailures(current),
  );
  if (failures.reportedAt !== undefined) {
    await deps.notifier.notify(
      verifyFailedNotice(labelOf(target), 'resolved', deps.clock.now(), 'verified through the API again'),
    );
  }
  return after;
}

function labelOf(target: Target): { taskId: string; region: string; name?: string } {
  const name = target.name;
  return { taskId: target.ref.taskId, region: target.ref.region, ...(name === undefined ? {} : { name }) };
}
