import type { ApiCallStats } from '../aliyun/api.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

/**
 * The counters behind `GET /metrics`, kept in the store (`Store.addCounters`) because FC runs many
 * short-lived instances and a scrape reaches only one. Each function's glue records once per
 * invocation; a failure to record is logged and never fails the invocation it describes.
 * Series are stored under their Prometheus name with labels, e.g. `livewatch_callbacks_total{code="200"}`.
 */
export async function recordMetrics(
  store: Store,
  log: Logger,
  increments: Readonly<Record<string, number>>,
): Promise<void> {
  try {
    await store.addCounters(increments);
  } catch (error) {
    log.warn('could not record metrics', { error: describeError(error) });
  }
}

/** A label value in the text format: backslash, quote and newline escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function callbackIncrements(statusCode: number, durationMs: number): Record<string, number> {
  return {
    [`livewatch_callbacks_total{code="${statusCode}"}`]: 1,
    livewatch_callback_duration_seconds_sum: durationMs / 1000,
    livewatch_callback_duration_seconds_count: 1,
  };
}

export function sweepIncrements(
  outcome: 'complete' | 'partial' | 'skipped' | 'failed',
  durationMs: number,
): Record<string, number> {
  return {
    [`livewatch_sweeps_total{outcome="${outcome}"}`]: 1,
    livewatch_sweep_duration_seconds_sum: durationMs / 1000,
    livewatch_sweep_duration_seconds_count: 1,
  };
}

export function apiIncrements(stats: ApiCallStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [action, n] of Object.entries(stats.byAction)) {
    out[`livewatch_api_calls_total{action="${labelValue(action)}"}`] = n;
  }
  for (const [action, n] of Object.entries(stats.throttledByAction ?? {})) {
    out[`livewatch_api_throttled_total{action="${labelValue(action)}"}`] = n;
  }
  return out;
}

/** Remediation outcomes (`restarted`, `failed`, `gave-up`, `paused`, …) of one alert invocation. */
export function outcomeIncrements(
  outcomes: ReadonlyArray<{ readonly action: string }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { action } of outcomes) {
    const name = `livewatch_remediation_outcomes_total{outcome="${labelValue(action)}"}`;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}
