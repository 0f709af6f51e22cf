import type { SweepReport } from './sweep-report.js';

/** A compact, secret-free view of a sweep for logs and the function's return value (no event list). */
export interface SweepSummary {
  readonly durationMs: number;
  readonly complete: boolean;
  readonly skipped?: string;
  readonly continuedFrom?: string;
  readonly leftAt?: string;
  readonly tasks: Readonly<Record<string, number>>;
  readonly changes: number;
  readonly events: number;
  readonly enrolled: number;
  readonly apiCalls: number;
  readonly throttled: number;
  readonly errors: readonly string[];
}

export function summarizeSweep(report: SweepReport): SweepSummary {
  const tasks: Record<string, number> = {};
  for (const [kind, states] of Object.entries(report.tasks)) {
    for (const [state, count] of Object.entries(states)) tasks[`${kind}.${state}`] = count ?? 0;
  }
  const position = (at: { scope: string; page: number } | undefined): string | undefined =>
    at === undefined ? undefined : `${at.scope} page ${at.page}`;
  const continuedFrom = position(report.continuedFrom);
  const leftAt = position(report.leftAt);
  return {
    durationMs: report.durationMs,
    complete: report.complete,
    ...(report.skipped === undefined ? {} : { skipped: report.skipped }),
    ...(continuedFrom === undefined ? {} : { continuedFrom }),
    ...(leftAt === undefined ? {} : { leftAt }),
    tasks,
    changes: report.changes,
    events: report.events.length,
    enrolled: report.enrolments.filter((enrolment) => enrolment.ok).length,
    apiCalls: report.apiCalls.requests,
    throttled: report.apiCalls.throttled,
    errors: report.errors.map((error) =>
      [error.operation, error.scope, error.id, error.message].filter((part) => part !== undefined).join(' '),
    ),
  };
}
