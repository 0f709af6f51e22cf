import { redact } from '../redact.js';
import type { Store } from '../store/store.js';
import type { SweepReport } from './sweep-report.js';

/**
 * The heartbeat says when livewatch last saw the accounts. A sweep in which no listing succeeded
 * (API down, wrong credentials) keeps the previous lastSuccessAt, so the alert tick's "monitor
 * unhealthy" check fires, and records why in lastError.
 */
export async function writeHeartbeat(store: Store, report: SweepReport, succeeded: boolean): Promise<void> {
  const previous = succeeded ? undefined : await store.getHeartbeat();
  const counts: Record<string, number> = {};
  for (const [kind, states] of Object.entries(report.tasks)) {
    for (const [state, count] of Object.entries(states)) counts[`${kind}.${state}`] = count ?? 0;
  }
  counts.events = report.events.length;
  counts.changes = report.changes;
  counts.enrolled = report.enrolments.filter((enrolment) => enrolment.ok).length;
  counts.errors = report.errors.length;
  const lastError = report.errors[0];
  await store.putHeartbeat({
    lastSuccessAt: succeeded ? report.finishedAt : (previous?.lastSuccessAt ?? 0),
    durationMs: report.durationMs,
    complete: report.complete,
    counts,
    apiCalls: report.apiCalls.requests,
    // It reaches the "monitor unhealthy" notice: never a secret (e.g. an auth key in a URL of an error).
    ...(lastError === undefined ? {} : { lastError: redact(describeSweepError(lastError)) }),
  });
}

function describeSweepError(error: SweepReport['errors'][number]): string {
  const where = [error.operation, error.scope, error.id].filter((part) => part !== undefined).join(' ');
  return `${where}: ${error.message}`;
}
