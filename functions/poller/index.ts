/**
 * The poller function (FC 3.0, timer trigger): one sweep per tick. Glue only — decode the timer
 * event, take the instance's runtime, run lib/monitor's sweep, return a compact summary. A
 * synchronous invocation with `{"livewatchDoctor": {…}}` runs lib/doctor's checks with this
 * function's role, VPC and settings instead (`livewatch doctor --deployed`).
 */
import { z } from 'zod';
import { type DoctorReport, doctorRequestOf } from '../../lib/doctor/doctor-report.js';
import { runDoctor } from '../../lib/doctor/run-doctor.js';
import { decodeTimerEvent } from '../../lib/fc/decode-timer-event.js';
import { credentialsOf, type FcContext } from '../../lib/fc/fc-context.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import { type SweepSummary, summarizeSweep } from '../../lib/monitor/summarize-sweep.js';
import { createChannels } from '../../lib/notify/create-channels.js';
import { getRuntime } from '../../lib/runtime.js';
import { apiIncrements, recordMetrics, sweepIncrements } from '../../lib/status/record-metrics.js';

/** An optional JSON payload on the trigger may lower the budget (e.g. `{"budgetMs": 20000}`). */
const PayloadSchema = z.looseObject({ budgetMs: z.number().int().min(1_000).optional() });

/** Time kept back from the function timeout for emitting, the cursor and the heartbeat. */
const TIMEOUT_RESERVE_MS = 15_000;

export const handler = async (event: Buffer, context: FcContext): Promise<SweepSummary | DoctorReport> => {
  const doctor = doctorRequestOf(event);
  if (doctor) {
    const credentials = credentialsOf(context);
    const rt = await getRuntime({ accountId: context.accountId, region: context.region, credentials });
    const deps = { ...rt, client: rt.client(credentials, context.accountId) };
    const channels = createChannels(rt.config, rt.clock, rt.log);
    return runDoctor({ ...deps, channels }, { where: 'deployed', sendTest: doctor.sendTest });
  }
  const timer = decodeTimerEvent(event);
  const payload = PayloadSchema.safeParse(timer.payload);
  const credentials = credentialsOf(context);
  const runtime = await getRuntime({ accountId: context.accountId, region: context.region, credentials });
  const log = runtime.log.child({ requestId: context.requestId, trigger: timer.triggerName });
  const timeoutMs = (context.function?.timeout ?? 0) * 1000;
  const budgets = [
    runtime.config.LIVEWATCH_SWEEP_BUDGET_MS,
    payload.success ? payload.data.budgetMs : undefined,
    timeoutMs > TIMEOUT_RESERVE_MS ? timeoutMs - TIMEOUT_RESERVE_MS : undefined,
  ].filter((budget): budget is number => budget !== undefined);
  const client = runtime.client(credentials, context.accountId);
  const started = performance.now();
  const report = await runSweep(
    {
      config: runtime.config,
      store: runtime.store,
      client,
      invoker: runtime.invoker,
      notifier: runtime.notifier,
      clock: runtime.clock,
      log,
    },
    { budgetMs: Math.min(...budgets) },
  ).catch(async (error: unknown) => {
    await recordMetrics(runtime.store, log, sweepIncrements('failed', performance.now() - started));
    throw error;
  });
  const outcome = report.skipped ? 'skipped' : report.complete ? 'complete' : 'partial';
  await recordMetrics(runtime.store, log, {
    ...sweepIncrements(outcome, report.durationMs),
    ...apiIncrements(client.stats()),
  });
  return summarizeSweep(report);
};
