/**
 * What the core answers: a status, headers and a text body (JSON for livewatch). The core owns this
 * type; `lib/fc/encode-http-response.ts` turns it into FC's HTTP-trigger response.
 */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
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
