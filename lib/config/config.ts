import { z } from 'zod';
import { ConfigError, type SettingIssue } from '../errors.js';
import { isValidRegExp } from '../is-valid-reg-exp.js';
import { registerSecrets } from '../redact.js';
import { describeSettingIssue, type NumberRange } from './describe-setting-issue.js';
import { STORE_URL_RULE, storeLocationOf } from './store-url.js';

/**
 * All livewatch settings: one zod schema over the environment, parsed once at cold start.
 * Every setting is documented in README.md ("Settings"); keep the two in step.
 */

/**
 * Live centers that run pull-to-push tasks (the `Region` parameter, not the endpoint): exactly the
 * four the UpdateLivePullToPush page lists (cn-shenzhen is not among them).
 */
export const LIVE_REGIONS = ['ap-southeast-1', 'ap-southeast-5', 'cn-beijing', 'cn-shanghai'] as const;
/** Regions with an ICE endpoint (`ice.<region>.aliyuncs.com`). */
export const ICE_REGIONS = [
  'ap-southeast-1',
  'cn-beijing',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-shenzhen',
  'us-west-1',
] as const;

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0)
        : value,
    z.array(item),
  );

const bool = (fallback: boolean) => z.stringbool().default(fallback);
const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const seconds = (fallback: number, min = 0) => int(fallback, min);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const optionalUrl = z.preprocess((value) => (value === '' ? undefined : value), z.url().optional());
const hostPort = z
  .string()
  .regex(
    /^[A-Za-z0-9.-]+(:\d{1,5})?$/,
    'must be a bare host or host:port, without a scheme (e.g. 127.0.0.1:8080)',
  );

const ConfigSchema = z.object({
  // --- store ---
  LIVEWATCH_STORE_URL: z
    .string()
    .refine((url) => storeLocationOf(url) !== undefined, STORE_URL_RULE)
    .default('sqlite:./.livewatch/state.db'),
  LIVEWATCH_REDIS_PREFIX: z.string().min(1).default('livewatch:'),
  LIVEWATCH_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** `json` (one object per line, what SLS indexes) or `pretty` (a line a person reads). */
  LIVEWATCH_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),

  // --- Alibaba Cloud credentials and endpoints ---
  ALIBABA_CLOUD_ACCESS_KEY_ID: optionalString,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: optionalString,
  ALIBABA_CLOUD_SECURITY_TOKEN: optionalString,
  /** Rate-limit scope. In FC it defaults to the invocation's account id; else to the AccessKey id. */
  LIVEWATCH_ACCOUNT_ID: optionalString,
  LIVEWATCH_LIVE_ENDPOINT: hostPort.default('live.aliyuncs.com'),
  /** `{region}` is replaced by the ICE region. VPC: `ice-vpc.{region}.aliyuncs.com`. */
  LIVEWATCH_ICE_ENDPOINT: z.string().min(1).default('ice.{region}.aliyuncs.com'),
  LIVEWATCH_API_PROTOCOL: z.enum(['https', 'http']).default('https'),
  /** Which signer `@alicloud/openapi-client` uses: V3 (ACS3-HMAC-SHA256) or the RPC HMAC-SHA1 ('v2' in the SDK). */
  LIVEWATCH_API_SIGNATURE: z.enum(['v3', 'v1']).default('v3'),
  LIVEWATCH_LIVE_REGIONS: list(z.enum(LIVE_REGIONS)).default(['cn-shanghai']),
  LIVEWATCH_ICE_REGIONS: list(z.enum(ICE_REGIONS)).default(['cn-shanghai']),
  /** Calls per second allowed per (account, action): the documented limit. */
  LIVEWATCH_API_QPS: int(10, 1, 1000),
  /** Fixed slack (clock granularity) added to the 1 s window; the rest of the margin is learned from answers. */
  LIVEWATCH_API_WINDOW_MARGIN_MS: int(5, 0, 10_000),
  LIVEWATCH_API_TIMEOUT_MS: int(5_000, 100, 120_000),
  /**
   * Overall deadline for one call including its retries. The functions stop starting work 15 s
   * before their FC timeout, so a call in flight must fit in that reserve: keep this below 15 s there.
   */
  LIVEWATCH_API_DEADLINE_MS: int(10_000, 100, 600_000),

  // --- callback receiver ---
  /** Secret tokens accepted in `/callback/<token>`; several for rotation. The first is given to tasks. */
  LIVEWATCH_CALLBACK_TOKENS: list(
    z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'each token: 16–128 of [A-Za-z0-9_-]'),
  ).default([]),
  /** Public base URL of the callback function, e.g. https://xxx.cn-shanghai.fcapp.run. Enables enrolment. */
  LIVEWATCH_CALLBACK_BASE_URL: optionalUrl,
  LIVEWATCH_CALLBACK_MAX_BODY_BYTES: int(65_536, 1_024, 1_048_576),
  LIVEWATCH_DEDUPE_TTL_S: seconds(86_400, 60),

  // --- poller ---
  /** Time a sweep may take before it stops and continues from a cursor on the next tick. */
  LIVEWATCH_SWEEP_BUDGET_MS: int(40_000, 1_000),
  LIVEWATCH_ENROL: z.enum(['off', 'missing', 'takeover']).default('missing'),
  LIVEWATCH_POLL_INTERVAL_S: seconds(60, 1),
  /** A relay task still idle this long after its StartTime is reported as stuck (once). */
  LIVEWATCH_IDLE_START_SLACK_S: seconds(120),
  /** A record job paused this long is reported as stuck (once); ICE itself retries a lost stream for 3 min. */
  LIVEWATCH_RECORD_PAUSED_GRACE_S: seconds(300),
  /**
   * A relay task offline (not stopped by a user) this long is reported again, once, so a restart cut
   * off mid-way is retried. Longer than the restart backoff cap, so it never races the backoff.
   */
  LIVEWATCH_OFFLINE_RECHECK_S: seconds(600, 60),
  /** At most this many UpdateLivePullToPush enrolments per sweep, leaving the Update quota to remediation. */
  LIVEWATCH_ENROL_MAX_PER_SWEEP: int(100, 0, 100_000),

  // --- alert / remediation ---
  LIVEWATCH_ALERT_FUNCTION: z.string().min(1).default('livewatch-alert'),
  LIVEWATCH_TICK_INTERVAL_S: seconds(60, 1),
  /**
   * An event handed to the alert function and not marked handled this long after is re-delivered by
   * the tick (docs/alert.md, "Event inbox"). At least 120 s: a run cut off mid-way leaves its events
   * claimed for 90 s (longer than the alert function's 60 s timeout), and that must lapse first.
   */
  LIVEWATCH_INBOX_REDELIVER_S: seconds(180, 120),
  LIVEWATCH_AUTO_RESTART: bool(true),
  LIVEWATCH_DRY_RUN: bool(false),
  LIVEWATCH_OPT_OUT_IDS: list(z.string().min(1)).default([]),
  LIVEWATCH_OPT_OUT_NAME_PATTERN: z
    .string()
    .optional()
    .refine(
      (value) => value === undefined || value === '' || isValidRegExp(value),
      'must be a valid regular expression',
    ),
  LIVEWATCH_RESTART_BACKOFF_BASE_S: seconds(10, 1),
  LIVEWATCH_RESTART_BACKOFF_MAX_S: seconds(300, 1),
  LIVEWATCH_RESTART_BACKOFF_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  LIVEWATCH_RESTART_RESET_AFTER_S: seconds(600, 1),
  LIVEWATCH_RESTART_BUDGET: int(5, 1, 1000),
  LIVEWATCH_RESTART_BUDGET_WINDOW_S: seconds(1_800, 1),
  /**
   * Restart a stopped task (TaskStatus 3) that shows no reason at all. Off: the list page says status 3
   * covers a user's Stop too, so such a stop is taken as deliberate (one notice, no restart).
   */
  LIVEWATCH_RESTART_UNEXPLAINED_STOPS: bool(false),
  /** Overrides the recovering grace (default: the task's RetryCount × RetryInterval). */
  LIVEWATCH_RECOVERING_GRACE_S: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0).optional(),
  ),
  /**
   * Added to the recovering grace: the pages promise no on-time last retry, so livewatch looks again
   * only this long after RetryCount × RetryInterval (lib/events/platform-retry-grace.ts).
   */
  LIVEWATCH_RECOVERING_MARGIN_S: seconds(30),
  /** Number of tasks of one source host or region failing within the window that trips the breaker. */
  LIVEWATCH_BREAKER_THRESHOLD: int(5, 2, 100_000),
  LIVEWATCH_BREAKER_WINDOW_S: seconds(120, 1),
  LIVEWATCH_BREAKER_COOLDOWN_S: seconds(300, 1),
  /** Above this many events in one batch, verify with one listing sweep instead of a describe per task. */
  LIVEWATCH_VERIFY_LIST_THRESHOLD: int(20, 1),
  /** Raise a critical alert when the last successful sweep is older than this. */
  LIVEWATCH_HEARTBEAT_MAX_AGE_S: seconds(300, 10),

  // --- notifications ---
  LIVEWATCH_DINGTALK_WEBHOOK: optionalUrl,
  LIVEWATCH_DINGTALK_SECRET: optionalString,
  LIVEWATCH_DINGTALK_AT_MOBILES: list(
    z.string().regex(/^\+?\d{5,20}$/, 'each must be a phone number'),
  ).default([]),
  /** DingTalk robots secured by custom keywords: every message must contain one; added when missing. */
  LIVEWATCH_DINGTALK_KEYWORD: optionalString,
  LIVEWATCH_SLACK_WEBHOOK: optionalUrl,
  LIVEWATCH_FEISHU_WEBHOOK: optionalUrl,
  LIVEWATCH_FEISHU_SECRET: optionalString,
  LIVEWATCH_WECOM_WEBHOOK: optionalUrl,
  LIVEWATCH_WEBHOOK_URL: optionalUrl,
  /** HMAC-SHA256 secret for the generic webhook's `webhook-signature` header (Standard Webhooks). */
  LIVEWATCH_WEBHOOK_SECRET: optionalString,
  LIVEWATCH_GROUP_WAIT_S: seconds(30),
  LIVEWATCH_GROUP_WAIT_CRITICAL_S: seconds(0),
  LIVEWATCH_GROUP_INTERVAL_S: seconds(300, 1),
  LIVEWATCH_REPEAT_INTERVAL_S: seconds(14_400, 1),
  LIVEWATCH_SEND_RESOLVED: bool(true),
  /** Delivery attempts per notification before it is marked dead (and logged). */
  LIVEWATCH_NOTIFY_MAX_ATTEMPTS: int(10, 1, 100),
  /** A notification still undelivered this long after it was queued is marked dead. */
  LIVEWATCH_NOTIFY_MAX_AGE_S: seconds(86_400, 60),
  /** Routing file (YAML or JSON): receivers and an Alertmanager-style route tree (docs/notify.md). */
  LIVEWATCH_ROUTES_FILE: optionalString,
  /** Language of messages (and of the status page); a route may override it. */
  LIVEWATCH_LANGUAGE: z.enum(['en', 'zh-CN']).default('en'),
  /** IANA time zone of times in messages; when unset, Asia/Shanghai for zh-CN, else UTC (see loadConfig). */
  LIVEWATCH_TIME_ZONE: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .refine(isValidTimeZone, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not an IANA time zone name (e.g. Asia/Shanghai, UTC)`,
      })
      .optional(),
  ),
  /** Public URL of livewatch's status page, ending in /status; a task's page is <url>/tasks/<id>. */
  LIVEWATCH_STATUS_URL: z.preprocess(
    (value) => (typeof value === 'string' ? value.replace(/\/+$/, '') || undefined : value),
    z
      .url({ protocol: /^https?$/ })
      .refine((value) => new URL(value).pathname.endsWith('/status'), {
        error: (issue) => `${JSON.stringify(issue.input)} must end in /status`,
      })
      .optional(),
  ),

  // --- status page and metrics (docs/status-page.md) ---
  /** Read tokens of the status page and its JSON API (never a callback token); several for rotation. */
  LIVEWATCH_STATUS_TOKENS: list(
    z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'each token: 16–128 of [A-Za-z0-9_-]'),
  ).default([]),
  /** Tokens a Prometheus scraper presents at GET /metrics (Bearer); kept apart from the page's. */
  LIVEWATCH_METRICS_TOKENS: list(
    z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'each token: 16–128 of [A-Za-z0-9_-]'),
  ).default([]),
  /** Lifetime of the page's login cookie and of signed links to a task's page. */
  LIVEWATCH_STATUS_SESSION_S: seconds(43_200, 60),

  // --- local host (npm start) ---
  LIVEWATCH_PORT: int(8787, 0, 65_535),
  LIVEWATCH_FC_ENDPOINT: optionalString,
  /**
   * The signature the callback and poller sign InvokeFunction with first: ACS3 (what the FC 3.0 API
   * pages document) or `fc` (@alicloud/fc2's FC signature). On a signature rejection the invoker
   * switches to the other once per instance (docs/deploy.md).
   */
  LIVEWATCH_FC_SIGNATURE: z.enum(['acs3', 'fc']).default('acs3'),
  /**
   * A running `npm start`'s invoker endpoint and its token (both written to .livewatch/session.json):
   * `livewatch sweep --invoke` hands events to that local host's alert function instead of FC.
   */
  LIVEWATCH_LOCAL_INVOKER_URL: optionalUrl,
  LIVEWATCH_LOCAL_INVOKER_TOKEN: optionalString,
});

type ParsedConfig = z.infer<typeof ConfigSchema>;
/** The settings after loadConfig: the time zone is always resolved (its default depends on the language). */
export type Config = Omit<ParsedConfig, 'LIVEWATCH_TIME_ZONE'> & { LIVEWATCH_TIME_ZONE: string };

/** Every setting's name (the README's Settings section documents each; a test keeps the two in step). */
export const SETTING_NAMES: readonly string[] = Object.keys(ConfigSchema.shape);

/** The bounds of a numeric setting, read from its schema, so an error states the whole rule. */
function numberRangeOf(variable: string): NumberRange | undefined {
  let schema: unknown = (ConfigSchema.shape as Record<string, unknown>)[variable];
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap();
  if (!(schema instanceof z.ZodNumber)) return undefined;
  return { min: schema.minValue ?? undefined, max: schema.maxValue ?? undefined, whole: schema.isInt };
}

/**
 * Parses and validates the settings. Throws a ConfigError naming every variable at fault.
 * @example const config = loadConfig(); // at module scope, once per cold start
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(withoutEmpty(env));
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => describeSettingIssue(issue, env, numberRangeOf)),
    );
  }
  const config: Config = {
    ...result.data,
    LIVEWATCH_TIME_ZONE: result.data.LIVEWATCH_TIME_ZONE ?? defaultTimeZone(result.data.LIVEWATCH_LANGUAGE),
  };
  const cross: SettingIssue[] = [];
  if (Boolean(config.ALIBABA_CLOUD_ACCESS_KEY_ID) !== Boolean(config.ALIBABA_CLOUD_ACCESS_KEY_SECRET)) {
    cross.push({
      variable: config.ALIBABA_CLOUD_ACCESS_KEY_ID
        ? 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'
        : 'ALIBABA_CLOUD_ACCESS_KEY_ID',
      message: 'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set together',
    });
  }
  if (config.LIVEWATCH_RESTART_BACKOFF_MAX_S < config.LIVEWATCH_RESTART_BACKOFF_BASE_S) {
    cross.push({
      variable: 'LIVEWATCH_RESTART_BACKOFF_MAX_S',
      message: `must be ≥ LIVEWATCH_RESTART_BACKOFF_BASE_S (${config.LIVEWATCH_RESTART_BACKOFF_BASE_S})`,
    });
  }
  if (config.LIVEWATCH_DINGTALK_SECRET && !config.LIVEWATCH_DINGTALK_WEBHOOK) {
    cross.push({
      variable: 'LIVEWATCH_DINGTALK_WEBHOOK',
      message: 'required when LIVEWATCH_DINGTALK_SECRET is set',
    });
  }
  if (config.LIVEWATCH_FEISHU_SECRET && !config.LIVEWATCH_FEISHU_WEBHOOK) {
    cross.push({
      variable: 'LIVEWATCH_FEISHU_WEBHOOK',
      message: 'required when LIVEWATCH_FEISHU_SECRET is set',
    });
  }
  cross.push(...sharedTokenIssues(config));
  if (cross.length > 0) throw new ConfigError(cross);

  registerSecrets(
    config.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    config.ALIBABA_CLOUD_SECURITY_TOKEN,
    config.LIVEWATCH_DINGTALK_SECRET,
    config.LIVEWATCH_FEISHU_SECRET,
    config.LIVEWATCH_WEBHOOK_SECRET,
    ...config.LIVEWATCH_CALLBACK_TOKENS,
    ...config.LIVEWATCH_STATUS_TOKENS,
    ...config.LIVEWATCH_METRICS_TOKENS,
    config.LIVEWATCH_LOCAL_INVOKER_TOKEN,
    // Webhook URLs carry their secret in the path or query (registered with those parts, lib/redact.ts).
    config.LIVEWATCH_DINGTALK_WEBHOOK,
    config.LIVEWATCH_SLACK_WEBHOOK,
    config.LIVEWATCH_FEISHU_WEBHOOK,
    config.LIVEWATCH_WECOM_WEBHOOK,
    config.LIVEWATCH_WEBHOOK_URL,
  );
  return config;
}

/**
 * A token that opens two doors is one leak away from both: the callback token sits in every task's
 * CallbackUrl, so it must never read the status page, and the page's token must not write callbacks.
 */
function sharedTokenIssues(config: Config): SettingIssue[] {
  const callback = new Set(config.LIVEWATCH_CALLBACK_TOKENS);
  const status = new Set(config.LIVEWATCH_STATUS_TOKENS);
  const issues: SettingIssue[] = [];
  if (config.LIVEWATCH_STATUS_TOKENS.some((token) => callback.has(token))) {
    issues.push({
      variable: 'LIVEWATCH_STATUS_TOKENS',
      message:
        'must not repeat a LIVEWATCH_CALLBACK_TOKENS entry (the callback token is in every CallbackUrl)',
    });
  }
  if (config.LIVEWATCH_METRICS_TOKENS.some((token) => callback.has(token) || status.has(token))) {
    issues.push({
      variable: 'LIVEWATCH_METRICS_TOKENS',
      message: 'must not repeat a LIVEWATCH_CALLBACK_TOKENS or LIVEWATCH_STATUS_TOKENS entry',
    });
  }
  return issues;
}

/** Chinese teams read Beijing time; everyone else gets UTC unless they say otherwise. */
function defaultTimeZone(language: ParsedConfig['LIVEWATCH_LANGUAGE']): string {
  return language === 'zh-CN' ? 'Asia/Shanghai' : 'UTC';
}

function isValidTimeZone(name: string): boolean {
  try {
    // Intl knows the IANA database of the runtime; an unknown name throws a RangeError.
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * An empty variable means "not set". s.yaml passes every setting as `${env('NAME', '')}` (FC has no
 * way to leave a variable out), so an empty value must fall back to the default, never coerce to 0.
 */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}
