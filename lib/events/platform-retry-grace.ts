import type { RelayTask } from './resources.js';

/**
 * How long a recovering relay task (TaskStatus 2) is left to the platform's own retries — the one
 * rule the poller's stuck report (`lib/monitor/detect-stuck.ts`) and the restart policy
 * (`lib/remediate/decide.ts`) share (docs/alert.md, "Recovering tasks").
 *
 * The pages give RetryCount × RetryInterval (defaults 3 × 60 s, CreateLivePullToPush) but no promise
 * that the last retry ends on time, so livewatch looks again only after a margin on top, and then
 * acts only on a look that sees the task stopped: a task still retrying is still the platform's.
 * Only a task still retrying after twice its window (plus the margin) is taken for stuck. A window
 * set by LIVEWATCH_RECOVERING_GRACE_S is the operator's own limit on the platform's retries: the task
 * is acted on at its end plus the margin, retrying or not.
 */
export interface RetryGraceSettings {
  /** LIVEWATCH_RECOVERING_GRACE_S in ms: replaces RetryCount × RetryInterval when set. */
  readonly windowOverrideMs: number | undefined;
  /** LIVEWATCH_RECOVERING_MARGIN_S in ms: added to the window before livewatch looks again. */
  readonly marginMs: number;
}

export interface RecoveringDeadlines {
  /** Before this, the platform is retrying on schedule: wait. */
  readonly graceEnd: number;
  /** From graceEnd to here, a task still retrying is a late retry: wait for it to stop. After: stuck. */
  readonly stuckAt: number;
}

/** The platform's documented defaults (CreateLivePullToPush): RetryCount 3, RetryInterval 60 s. */
const DEFAULT_RETRY_COUNT = 3;
const DEFAULT_RETRY_INTERVAL_S = 60;

/** The settings in ms, from the two variables (the config schema validated them). */
export function retryGraceSettingsOf(config: {
  readonly LIVEWATCH_RECOVERING_GRACE_S?: number | undefined;
  readonly LIVEWATCH_RECOVERING_MARGIN_S: number;
}): RetryGraceSettings {
  const override = config.LIVEWATCH_RECOVERING_GRACE_S;
  return {
    windowOverrideMs: override === undefined ? undefined : override * 1000,
    marginMs: config.LIVEWATCH_RECOVERING_MARGIN_S * 1000,
  };
}

/**
 * @example
 * const { graceEnd, stuckAt } = recoveringDeadlinesOf(task, snapshot.stateSince, policy.retryGrace);
 */
export function recoveringDeadlinesOf(
  task: Pick<RelayTask, 'retryCount' | 'retryInterval'>,
  since: number,
  settings: RetryGraceSettings,
): RecoveringDeadlines {
  if (settings.windowOverrideMs !== undefined) {
    const end = since + settings.windowOverrideMs + settings.marginMs;
    return { graceEnd: end, stuckAt: end };
  }
  const window =
    (task.retryCount ?? DEFAULT_RETRY_COUNT) * (task.retryInterval ?? DEFAULT_RETRY_INTERVAL_S) * 1000;
  return { graceEnd: since + window + settings.marginMs, stuckAt: since + 2 * window + settings.marginMs };
}
