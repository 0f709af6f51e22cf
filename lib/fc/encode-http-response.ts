/** What the core answers: a status, headers and a text body (JSON for livewatch). */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

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

/** A JSON response. */
export function jsonResponse(
  statusCode: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}
