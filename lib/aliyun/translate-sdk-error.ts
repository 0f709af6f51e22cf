import { AliyunApiError } from '../errors.js';
import { redact } from '../redact.js';
import type { ObservedResponse } from './observe-responses.js';

/** Any `Code` containing `Throttling` is throttling, whatever the HTTP status (docs/client.md). */
export function isThrottlingCode(code: string): boolean {
  return code.includes('Throttling');
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'undefined' ? value : undefined;
}

/**
 * Translates whatever `@alicloud/openapi-client` threw into an AliyunApiError, deciding whether it
 * is worth retrying: throttling, 5xx, network failures, timeouts and unreadable bodies are; other
 * 4xx (bad parameter, missing task, signature, permission) are not.
 *
 * SDK shapes (docs/client.md): an HTTP error is an Error with `code` (body Code), `statusCode`,
 * `data` (the body); a non-JSON body is a SyntaxError; transport failures carry `code`
 * (`ECONNREFUSED`…) or the message `socket hang up`; timeouts are named `RequestTimeoutError`.
 */
export function translateSdkError(
  action: string,
  error: unknown,
  observed?: ObservedResponse,
): AliyunApiError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const data = field(error, 'data');
  const statusField = field(error, 'statusCode');
  const httpStatus = typeof statusField === 'number' ? statusField : observed?.status;
  const requestId = text(field(data, 'RequestId')) ?? text(field(data, 'requestId'));
  const code = text(field(error, 'code'));

  if (error instanceof SyntaxError) {
    // An HTML error page from a proxy or load balancer (even with a 2xx status).
    return new AliyunApiError(
      `${action}: the response was not JSON${httpStatus ? ` (HTTP ${httpStatus})` : ''}`,
      { action, code: 'InvalidResponse', httpStatus, retryable: true, cause: error },
    );
  }
  if (name.includes('RequestTimeout') || /ReadTimeout|ConnectTimeout/.test(message)) {
    return new AliyunApiError(`${action}: request timed out`, {
      action,
      code: 'Timeout',
      retryable: true,
      cause: error,
    });
  }
  if (code !== undefined && httpStatus !== undefined && data !== undefined) {
    const apiMessage = text(field(data, 'Message')) ?? text(field(data, 'message')) ?? '';
    const retryable = isThrottlingCode(code) || httpStatus >= 500;
    return new AliyunApiError(
      `${action} failed: ${code} (HTTP ${httpStatus})${apiMessage ? `: ${apiMessage}` : ''}`,
      { action, code, requestId, httpStatus, retryable, cause: error },
    );
  }
  if ((code !== undefined && NETWORK_CODES.has(code)) || /socket hang up/i.test(message)) {
    const transportCode = code ?? 'ECONNRESET';
    return new AliyunApiError(`${action}: network error ${transportCode}`, {
      action,
      code: transportCode,
      retryable: true,
      cause: error,
    });
  }
  if (code === 'InvalidCredentials') {
    return new AliyunApiError(
      `${action}: no credentials (set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET)`,
      { action, code, retryable: false, cause: error },
    );
  }
  // Anything else is a client-side bug or an SDK failure we do not recognise: do not hammer the API.
  // The SDK appends the request URL (with V1 signature and STS token) to transport messages: redact.
  return new AliyunApiError(`${action} failed: ${redact(message)}`, {
    action,
    code: code ?? 'ClientError',
    httpStatus,
    retryable: false,
    cause: error,
  });
}
