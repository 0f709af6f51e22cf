import { z } from 'zod';

/** One line of `livewatch doctor`'s table. */
const DoctorCheckSchema = z.object({
  check: z.string(),
  status: z.enum(['ok', 'warn', 'fail', 'skip']),
  detail: z.string(),
});
export type DoctorCheck = z.infer<typeof DoctorCheckSchema>;

/** What a doctor run found, locally or inside the deployed poller (which returns it as JSON). */
export const DoctorReportSchema = z.object({
  where: z.enum(['local', 'deployed']),
  checks: z.array(DoctorCheckSchema),
});
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

/**
 * The payload that makes the poller function run the doctor instead of a sweep (a synchronous
 * InvokeFunction from `livewatch doctor --deployed`).
 */
const DoctorRequestSchema = z.object({
  livewatchDoctor: z.object({ sendTest: z.boolean().default(false) }),
});

/** 1 when a check failed, 3 when one needs attention (a warning), else 0 — the CLI's exit codes. */
export function exitCodeOf(report: DoctorReport): number {
  if (report.checks.some((c) => c.status === 'fail')) return 1;
  return report.checks.some((c) => c.status === 'warn') ? 3 : 0;
}

/**
 * The doctor request carried by an invocation's body, or undefined for anything else (a timer
 * event, which is a sweep).
 */
export function doctorRequestOf(event: Buffer): { readonly sendTest: boolean } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(event.toString('utf8'));
  } catch {
    // Not JSON: not a doctor request; the timer decoder reports what is wrong with it.
    return undefined;
  }
  const parsed = DoctorRequestSchema.safeParse(raw);
  return parsed.success ? parsed.data.livewatchDoctor : undefined;
}
