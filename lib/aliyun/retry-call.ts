import type { Clock } from '../clock.js';
import { AliyunApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ActionName, ActionSpec } from './actions.js';
import { type BackoffPolicy, computeBackoffMs } from './compute-backoff.js';
import type { CallAnswer, RateLimiter, RatePermit } from './rate-limiter.js';
import { rateKeyOf } from './rate-limiter.js';
import { isThrottlingCode } from './translate-sdk-error.js';

/**
 * When a failed attempt may be sent again (docs/client.md, "Send rules"):
 * - `resend-retryable`: a read; any retryable failure (throttling, 5xx, network, timeout) is resent.
 * - `resend-if-not-acted`: a mutation; resent only when the service certainly did not act on it
 *   (throttled, or the connection was refused). After a 5xx, a timeout or a reset it may have been
 *   carried out — Restart interrupts a running stream and undoes a resume, Create makes a second
 *   task that breaks the first — so the call ends with `outcomeUnknown` and the caller looks first.
 */
export type SendRule = 'resend-retryable' | 'resend-if-not-acted';

/** One rule per action the client calls; a new action does not typecheck without one. */
const SEND_RULES: Readonly<Record<ActionName, SendRule>> = {
  describeRelayTask: 'resend-retryable',
  listRelayTasks: 'resend-retryable',
  listRecordJobs: 'resend-retryable',
  listTranscodeJobs: 'resend-retryable',
  getRecordJob: 'resend-retryable',
  getTranscodeJob: 'resend-retryable',
  createRelayTask: 'resend-if-not-acted',
  updateRelayTask: 'resend-if-not-acted',
  restartRelayTask: 'resend-if-not-acted',
  stopRelayTask: 'resend-if-not-acted',
  deleteRelayTask: 'resend-if-not-acted',
};

export interface CallCounters {
  requests: number;
  retries: number;
  throttled: number;
  failures: number;
  /** Throttling responses per action (for the `/metrics` endpoint). */
  readonly throttledByAction: Record<string, number>;
}

export interface RetryContext {
  readonly clock: Clock;
  readonly log: Logger;
  readonly random: () => number;
  readonly backoff: BackoffPolicy;
  readonly limiter: RateLimiter;
  readonly accountId: string;
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  readonly counters: CallCounters;
}

/**
 * What one attempt produced: the parsed body, or the translated failure (and any x-acs-retry-after);
 * `answer` is what the server's HTTP answer tells the rate limiter (undefined: no answer came).
 */
export type AttemptResult =
  | { readonly ok: true; readonly body: unknown; readonly answer?: CallAnswer | undefined }
  | {
      readonly ok: false;
      readonly error: AliyunApiError;
      readonly retryAfterMs: number;
      readonly answer?: CallAnswer | undefined;
    };

const DEADLINE_CODE = 'DeadlineExceeded';

/**
 * One logical call: passes the rate limiter before every attempt, sends, and resends per the
 * action's send rule with full-jitter backoff under the overall deadline (on the injected clock).
 * Resolves with the response body; rejects with the AliyunApiError that ended it.
 */
export async function retryCall(
  ctx: RetryContext,
  name: ActionName,
  spec: ActionSpec,
  send: (timeoutMs: number, attempt: number) => Promise<AttemptResult>,
): Promise<unknown> {
  const rule = SEND_RULES[name];
  const deadline = ctx.clock.now() + ctx.deadlineMs;
  let lastError: AliyunApiError | undefined;
  for (let attempt = 0; ; attempt += 1) {
    let permit: RatePermit;
    try {
      permit = await acquireBefore(ctx, spec, deadline, lastError, attempt);
    } catch (error) {
      ctx.counters.failures += 1;
      throw error;
    }
    const timeoutMs = Math.max(1, Math.min(ctx.timeoutMs, deadline - ctx.clock.now()));
    let result: AttemptResult | undefined;
    try {
      result = await send(timeoutMs, attempt);
    } finally {
      permit.release(result?.answer);
    }
    if (result.ok) return result.body;
    const { error } = result;
    if (isThrottlingCode(error.code)) {
      ctx.counters.throttled += 1;
      const byAction = ctx.counters.throttledByAction;
      byAction[spec.action] = (byAction[spec.action] ?? 0) + 1;
    }
    lastError = error;
    const verdict = judge(rule, error);
    if (verdict !== 'resend') {
      ctx.counters.failures += 1;
      throw verdict === 'unknown' ? outcomeUnknown(error) : error;
    }
    const delay = Math.max(computeBackoffMs(attempt, ctx.backoff, ctx.random), result.retryAfterMs);
    if (ctx.clock.now() + delay >= deadline) {
      ctx.counters.failures += 1;
      throw gaveUp(error, attempt + 1);
    }
    ctx.counters.retries += 1;
    ctx.log.warn('aliyun call failed, retrying', {
      action: spec.action,
      code: error.code,
      httpStatus: error.httpStatus,
      requestId: error.requestId,
      attempt: attempt + 1,
      delayMs: delay,
    });
    await ctx.clock.sleep(delay);
  }
}

/** Resend, give the error back as it is (`final`), or as a mutation whose outcome is unknown. */
function judge(rule: SendRule, error: AliyunApiError): 'resend' | 'final' | 'unknown' {
  if (!error.retryable) return 'final';
  if (rule === 'resend-retryable' || surelyNotActedOn(error)) return 'resend';
  return 'unknown';
}

/** Throttled or never connected: the server did not act on the request. */
function surelyNotActedOn(error: AliyunApiError): boolean {
  return isThrottlingCode(error.code) || error.code === 'ECONNREFUSED';
}

function outcomeUnknown(error: AliyunApiError): AliyunApiError {
  return new AliyunApiError(
    `${error.message} (outcome unknown: the service may have carried it out, so it was not resent)`,
    {
      action: error.action,
      code: error.code,
      requestId: error.requestId,
      httpStatus: error.httpStatus,
      retryable: true,
      outcomeUnknown: true,
      cause: error.cause,
    },
  );
}

/** The last retryable failure, reported as final once the deadline leaves no room for another attempt. */
function gaveUp(error: AliyunApiError, attempts: number): AliyunApiError {
  return new AliyunApiError(`${error.message} (gave up after ${attempts} attempts)`, {
    action: error.action,
    code: error.code,
    requestId: error.requestId,
    httpStatus: error.httpStatus,
    retryable: true,
    cause: error.cause,
  });
}

/** Waits for the limiter, but no later than the deadline (which runs on the injected clock). */
async function acquireBefore(
  ctx: RetryContext,
  spec: ActionSpec,
  deadline: number,
  lastError: AliyunApiError | undefined,
  attempts: number,
): Promise<RatePermit> {
  const remaining = deadline - ctx.clock.now();
  // After a failed attempt the deadline is not the cause: report the failure that kept us retrying.
  const expired = (): AliyunApiError =>
    lastError
      ? gaveUp(lastError, attempts)
      : new AliyunApiError(
          `${spec.action}: the rate limiter could not admit the call within the ${ctx.deadlineMs} ms deadline`,
          { action: spec.action, code: DEADLINE_CODE, retryable: true },
        );
  if (remaining <= 0) throw expired();
  const timer = new AbortController();
  const cancelTimer = new AbortController();
  ctx.clock.sleep(remaining, cancelTimer.signal).then(
    () => timer.abort(),
    () => undefined,
  );
  try {
    return await ctx.limiter.acquire(rateKeyOf(ctx.accountId, spec.action), timer.signal);
  } catch (error) {
    if (timer.signal.aborted) throw expired();
    throw error;
  } finally {
    cancelTimer.abort();
  }
}
