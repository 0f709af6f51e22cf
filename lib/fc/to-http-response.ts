import {
  AuthError,
  describeError,
  InvokeError,
  RequestRejectedError,
  StoreConflictError,
  StoreIncompatibleError,
  StoreUnavailableError,
  ValidationError,
} from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { type HttpResponse, jsonResponse } from '../ports/http-response.js';
import { MethodNotAllowedError } from '../ports/method-not-allowed-error.js';
import { redact } from '../redact.js';

const fallbackLog = createLogger();

/**
 * THE one place errors become HTTP responses:
 * AuthError → 401; ValidationError → 400 `{error, issues:[{path,message}]}`; RequestRejectedError → its
 * status; StoreUnavailableError / InvokeError → 503 (so the sender retries); a permanent store failure
 * (StoreConflictError: compare-and-set exhausted; StoreIncompatibleError: schema newer than this build)
 * → 500 and an error log marked `alert` (a retry would never help, so it is not dressed as 503);
 * anything else → 500, logged.
 * Bodies are redacted and never carry stack traces or causes.
 * @example catch (error) { return encodeHttpResponse(toHttpResponse(error, log)); }
 */
export function toHttpResponse(error: unknown, log: Logger = fallbackLog): HttpResponse {
  if (error instanceof AuthError) return jsonResponse(401, { error: 'unauthorized' });
  if (error instanceof ValidationError) {
    return jsonResponse(400, {
      error: redact(error.message),
      issues: error.issues.map((issue) => ({ path: issue.path, message: redact(issue.message) })),
    });
  }
  if (error instanceof RequestRejectedError) {
    const headers: Record<string, string> =
      error instanceof MethodNotAllowedError ? { Allow: error.allow.join(', ') } : {};
    return jsonResponse(error.statusCode, { error: redact(error.message) }, headers);
  }
  if (error instanceof StoreUnavailableError || error instanceof InvokeError) {
    log.warn('answering 503 so the sender retries', { error });
    return jsonResponse(503, { error: 'temporarily unavailable, retry later' }, { 'Retry-After': '1' });
  }
  if (error instanceof StoreConflictError || error instanceof StoreIncompatibleError) {
    log.error('permanent store failure; answering 500 (a retry would not help)', {
      alert: true,
      error: describeError(error),
    });
    return jsonResponse(500, { error: 'internal error' });
  }
  log.error('unexpected error while handling a request', { error: describeError(error) });
  return jsonResponse(500, { error: 'internal error' });
}
