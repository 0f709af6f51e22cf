import type { HttpResponse } from '../ports/http-response.js';

/** The full FC 3.0 HTTP-trigger response shape (always returned in full: FC's fallbacks are unconfirmed). */
export interface FcHttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly isBase64Encoded: false;
  readonly body: string;
}

/**
 * Encodes a core response for FC.
 * @example return encodeHttpResponse({ statusCode: 200, body: '{"ok":true}' });
 */
export function encodeHttpResponse(response: HttpResponse): FcHttpResponse {
  return {
    statusCode: response.statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...response.headers },
    isBase64Encoded: false,
    body: response.body,
  };
}
