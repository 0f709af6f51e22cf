/**
 * livewatch's one error family. Every error carries typed context and, where it wraps another
 * failure, the original in `cause`. Vendor errors (OpenAPI SDK, FC SDK, SQLite, Redis, chat HTTP)
 * are translated into these at the adapter boundary, so core code never inspects an SDK class.
 * HTTP status mapping lives in one place: `lib/fc/to-http-response.ts`.
 */
export class LivewatchError extends Error {
  override name = 'LivewatchError';
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.context = options.context ?? {};
  }
}

export interface SettingIssue {
  /** The environment variable at fault, e.g. `LIVEWATCH_STORE_URL`. */
  readonly variable: string;
  readonly message: string;
}

/** A setting is missing or malformed. The message names every variable at fault and what is wrong. */
export class ConfigError extends LivewatchError {
  override name = 'ConfigError';
  readonly issues: readonly SettingIssue[];

  constructor(issues: readonly SettingIssue[]) {
    super(
      `invalid livewatch settings:\n${issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n')}`,
      { context: { variables: issues.map((issue) => issue.variable) } },
    );
    this.issues = issues;
  }
}

export interface InputIssue {
  /** Dotted path of the offending field or parameter, e.g. `PageSize` or `TaskInfo.StartTime`. */
  readonly path: string;
  readonly message: string;
}

/** Input from outside (a request parameter, a callback body, a CLI flag) broke a rule. Nothing was done. */
export class ValidationError extends LivewatchError {
  override name = 'ValidationError';
  readonly issues: readonly InputIssue[];

  constructor(what: string, issues: readonly InputIssue[], options: { cause?: unknown } = {}) {
    super(`${what}: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`, {
      ...options,
      context: { what },
    });
    this.issues = issues;
  }
}

/** The caller did not prove who it is (missing or wrong callback token). */
export class AuthError extends LivewatchError {
  override name = 'AuthError';
}

/** The request is well-formed but not allowed here (wrong method, unknown route, body too large). */
export class RequestRejectedError extends LivewatchError {
  override name = 'RequestRejectedError';
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message, { context: { statusCode } });
    this.statusCode = statusCode;
  }
}

/** An Alibaba Cloud OpenAPI call failed (after any retries). */
export class AliyunApiError extends LivewatchError {
  override name = 'AliyunApiError';
  readonly action: string;
  /** The API's `Code` (e.g. `Throttling.User`, `CodeTaskNotExist`), or a transport code such as `ECONNREFUSED`. */
  readonly code: string;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  /**
   * A mutating call failed in a way the service may still have carried out (5xx, timeout, reset):
   * whether it applied is unknown, so it was not resent; the caller describes the task to find out
   * (docs/client.md, "Send rules").
   */
  readonly outcomeUnknown: boolean;

  constructor(
    message: string,
    details: {
      action: string;
      code: string;
      requestId?: string | undefined;
      httpStatus?: number | undefined;
      retryable: boolean;
      outcomeUnknown?: boolean | undefined;
      cause?: unknown;
    },
  ) {
    super(message, {
      cause: details.cause,
      context: { action: details.action, code: details.code, requestId: details.requestId },
    });
    this.action = details.action;
    this.code = details.code;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
  }
}

/** The state store could not be reached or failed. Callers answer 503 / let the platform retry. */
export class StoreUnavailableError extends LivewatchError {
  override name = 'StoreUnavailableError';
  readonly operation: string;

  /**
   * `store` (the URL, password already masked) and `reason` (the cause in words) make the message
   * say which store and why: `state store redis://127.0.0.1:6379/0 unavailable during open:
   * connection refused (ECONNREFUSED)`.
   */
  constructor(operation: string, options: { cause?: unknown; store?: string; reason?: string } = {}) {
    const store = options.store === undefined ? '' : ` ${options.store}`;
    const reason = options.reason === undefined ? '' : `: ${options.reason}`;
    super(`state store${store} unavailable during ${operation}${reason}`, {
      cause: options.cause,
      context: { operation, ...(options.store === undefined ? {} : { store: options.store }) },
    });
    this.operation = operation;
  }
}

/**
 * A compare-and-set kept meeting concurrent writers until its attempt budget ran out. Permanent for
 * this request (retrying at once meets the same writers): answered 500 and logged as an error, never
 * dressed as a transient 503.
 */
export class StoreConflictError extends LivewatchError {
  override name = 'StoreConflictError';
  readonly key: string;
  readonly attempts: number;

  constructor(key: string, attempts: number) {
    super(`compare-and-set on ${key} kept conflicting (${attempts} attempts)`, {
      context: { key, attempts },
    });
    this.key = key;
    this.attempts = attempts;
  }
}

/**
 * The store cannot be used by this build (its schema is newer than this build supports): a retry
 * never helps, so it is answered 500 and alerted on, not 503.
 */
export class StoreIncompatibleError extends LivewatchError {
  override name = 'StoreIncompatibleError';
}

/** Invoking another function (the async alert function) failed. */
export class InvokeError extends LivewatchError {
  override name = 'InvokeError';
  readonly functionName: string;
  readonly retryable: boolean;

  constructor(message: string, details: { functionName: string; retryable: boolean; cause?: unknown }) {
    super(message, { cause: details.cause, context: { functionName: details.functionName } });
    this.functionName = details.functionName;
    this.retryable = details.retryable;
  }
}

/** A remediation step (update, restart) could not be carried out. */
export class RemediationError extends LivewatchError {
  override name = 'RemediationError';
  readonly action: string;
  readonly taskId: string;

  constructor(message: string, details: { action: string; taskId: string; cause?: unknown }) {
    super(message, { cause: details.cause, context: { action: details.action, taskId: details.taskId } });
    this.action = details.action;
    this.taskId = details.taskId;
  }
}

/** Returns a short, secret-free description of any thrown value, for logs and messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
