/**
 * The alert function (FC 3.0). Two triggers, one handler — glue only:
 * - an async invocation whose body is a JSON array of TaskEvents (from the callback and poller
 *   functions) → lib/remediate handleEvents;
 * - the timer trigger (`{triggerTime, triggerName, payload}`) → lib/remediate runTick (due restarts,
 *   breaker probes, the poller heartbeat check, notification flush).
 * Unexpected errors (store down, a malformed batch) propagate, so FC's async retries and the
 * on-failure destination apply; per-task failures are reported in the result instead.
 */

import { handleEvents } from '../../lib/alert/handle-events.js';
import { parseEventBatch } from '../../lib/alert/parse-event-batch.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { type AlertSummary, summarizeEvents, summarizeTick } from '../../lib/alert/summarize-alert.js';
import { ValidationError } from '../../lib/errors.js';
import { decodeTimerEvent } from '../../lib/fc/decode-timer-event.js';
import { credentialsOf, type FcContext } from '../../lib/fc/fc-context.js';
import { getRuntime } from '../../lib/runtime.js';
import { apiIncrements, outcomeIncrements, recordMetrics } from '../../lib/status/record-metrics.js';

/** Time kept back from the function timeout for writing ledgers and answering FC. */
const TIMEOUT_RESERVE_MS = 15_000;

export const handler = async (event: Buffer, context: FcContext): Promise<AlertSummary> => {
  const body = parseJson(event);
  const credentials = credentialsOf(context);
  const runtime = await getRuntime({ accountId: context.accountId, region: context.region, credentials });
  const deps = {
    config: runtime.config,
    store: runtime.store,
    client: runtime.client(credentials, context.accountId),
    notifier: runtime.notifier,
    clock: runtime.clock,
    log: runtime.log.child({ requestId: context.requestId }),
  };
  // Tasks not reached before the timeout are left to the next tick (their ledger says so), never dropped.
  const timeoutMs = (context.function?.timeout ?? 0) * 1000;
  const options = timeoutMs > TIMEOUT_RESERVE_MS ? { budgetMs: timeoutMs - TIMEOUT_RESERVE_MS } : {};
  const counted = async <T extends { outcomes: readonly { action: string }[] }>(report: T): Promise<T> => {
    await recordMetrics(deps.store, deps.log, {
      ...outcomeIncrements(report.outcomes),
      ...apiIncrements(deps.client.stats()),
    });
    return report;
  };
  if (Array.isArray(body))
    return summarizeEvents(await counted(await handleEvents(deps, parseEventBatch(body), options)));
  const timer = decodeTimerEvent(event);
  return summarizeTick(
    await counted(await runTick({ ...deps, log: deps.log.child({ trigger: timer.triggerName }) }, options)),
  );
};

function parseJson(event: Buffer): unknown {
  try {
    return JSON.parse(event.toString('utf8')) as unknown;
  } catch (error) {
    throw new ValidationError('alert invocation', [{ path: '', message: 'body is not JSON' }], {
      cause: error,
    });
  }
}
