import type { Config } from '../config/config.js';
import { type RetryGraceSettings, retryGraceSettingsOf } from '../events/platform-retry-grace.js';

/**
 * The remediation settings in the units the policy code works in (ms, compiled patterns).
 * Built once from the Config so `decide` stays a pure function over plain values.
 */
export interface RemediationPolicy {
  readonly autoRestart: boolean;
  readonly dryRun: boolean;
  readonly optOutIds: ReadonlySet<string>;
  readonly optOutNamePattern: RegExp | undefined;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** 0–1: the backoff delay is spread over ±jitter/2 of itself. */
  readonly backoffJitter: number;
  readonly resetAfterMs: number;
  readonly budget: number;
  readonly budgetWindowMs: number;
  /** Restart a stopped task that shows no reason at all (LIVEWATCH_RESTART_UNEXPLAINED_STOPS). */
  readonly restartNoReasonStops: boolean;
  /** How long a recovering task is left to the platform (lib/events/platform-retry-grace.ts). */
  readonly retryGrace: RetryGraceSettings;
  readonly breakerThreshold: number;
  readonly breakerWindowMs: number;
  readonly breakerCooldownMs: number;
}

/**
 * @example const policy = policyFromConfig(loadConfig());
 */
export function policyFromConfig(config: Config): RemediationPolicy {
  const pattern = config.LIVEWATCH_OPT_OUT_NAME_PATTERN;
  return {
    autoRestart: config.LIVEWATCH_AUTO_RESTART,
    dryRun: config.LIVEWATCH_DRY_RUN,
    optOutIds: new Set(config.LIVEWATCH_OPT_OUT_IDS),
    // The pattern was validated by the config schema, so constructing it cannot throw here.
    optOutNamePattern: pattern === undefined || pattern === '' ? undefined : new RegExp(pattern),
    backoffBaseMs: config.LIVEWATCH_RESTART_BACKOFF_BASE_S * 1000,
    backoffMaxMs: config.LIVEWATCH_RESTART_BACKOFF_MAX_S * 1000,
    backoffJitter: config.LIVEWATCH_RESTART_BACKOFF_JITTER,
    resetAfterMs: config.LIVEWATCH_RESTART_RESET_AFTER_S * 1000,
    budget: config.LIVEWATCH_RESTART_BUDGET,
    budgetWindowMs: config.LIVEWATCH_RESTART_BUDGET_WINDOW_S * 1000,
    restartNoReasonStops: config.LIVEWATCH_RESTART_UNEXPLAINED_STOPS,
    retryGrace: retryGraceSettingsOf(config),
    breakerThreshold: config.LIVEWATCH_BREAKER_THRESHOLD,
    breakerWindowMs: config.LIVEWATCH_BREAKER_WINDOW_S * 1000,
    breakerCooldownMs: config.LIVEWATCH_BREAKER_COOLDOWN_S * 1000,
  };
}
