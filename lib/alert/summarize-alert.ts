import type { OutcomeAction } from '../remediate/task-case.js';
import type { HandleReport } from './handle-events.js';
import type { TickReport } from './run-tick.js';

/** What the alert function returns (and logs): counts, not task details. */
export type AlertSummary =
  | {
      readonly kind: 'events';
      readonly received: number;
      readonly duplicates: number;
      readonly jobEvents: number;
      readonly actions: Partial<Record<OutcomeAction, number>>;
      readonly failures: ReadonlyArray<{ readonly taskId: string; readonly error: string }>;
    }
  | {
      readonly kind: 'tick';
      readonly heartbeat: string;
      readonly redelivered: number;
      readonly due: number;
      readonly deferred: number;
      readonly probesSettled: number;
      readonly breakersClosedIdle: number;
      readonly actions: Partial<Record<OutcomeAction, number>>;
      readonly failures: ReadonlyArray<{ readonly taskId: string; readonly error: string }>;
      readonly notifications: { readonly sent: number; readonly retried: number; readonly dead: number };
    };

function countActions(
  outcomes: ReadonlyArray<{ action: OutcomeAction }>,
): Partial<Record<OutcomeAction, number>> {
  const counts: Partial<Record<OutcomeAction, number>> = {};
  for (const { action } of outcomes) counts[action] = (counts[action] ?? 0) + 1;
  return counts;
}

export function summarizeEvents(report: HandleReport): AlertSummary {
  return {
    kind: 'events',
    received: report.received,
    duplicates: report.duplicates,
    jobEvents: report.jobEvents,
    actions: countActions(report.outcomes),
    failures: report.failures.map(({ taskId, error }) => ({ taskId, error })),
  };
}

export function summarizeTick(report: TickReport): AlertSummary {
  return {
    kind: 'tick',
    heartbeat: report.heartbeat.kind,
    redelivered: report.redelivered,
    due: report.due,
    deferred: report.deferred,
    probesSettled: report.probesSettled.length,
    breakersClosedIdle: report.breakersClosedIdle.length,
    actions: countActions(report.outcomes),
    failures: report.failures.map(({ taskId, error }) => ({ taskId, error })),
    notifications: { sent: report.flush.sent, retried: report.flush.retried, dead: report.flush.dead },
  };
}
