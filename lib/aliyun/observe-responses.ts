import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/**
 * `@alicloud/openapi-client` throws away the response headers (and, for a non-JSON body, the
 * status) when a call fails, but livewatch must honour `x-acs-retry-after` on throttling and tell
 * an HTML 503 from a proxy apart from a bad 200. Node publishes every HTTP client response on the
 * `http.client.response.finish` diagnostics channel; we pick out ours by the signature nonce we
 * hand the SDK (the `x-acs-signature-nonce` header for V3, the `SignatureNonce` query parameter
 * for V1), so nothing in the SDK is patched or replaced.
 */
export interface ObservedResponse {
  readonly status: number;
  readonly retryAfterMs?: number;
  /**
   * From the moment the request was fully handed to the socket to the end of the response: the
   * round trip without our own signing and sending lag (the rate limiter sizes its credit on it).
   */
  readonly roundTripMs?: number;
}

const watched = new Map<string, ObservedResponse | null>();
/** performance.now() when the request of a watched nonce finished writing. */
const written = new Map<string, number>();
let subscribed = false;

function nonceOf(request: ClientRequest): string | undefined {
  const header = request.getHeader('x-acs-signature-nonce');
  if (typeof header === 'string') return header;
  const query = request.path.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(request.path.slice(query + 1)).get('SignatureNonce') ?? undefined;
}

/** `x-acs-retry-after` is in milliseconds per the newer openapi-core; a plain `retry-after` is seconds. */
function retryAfterOf(response: IncomingMessage): number | undefined {
  const acs = Number(response.headers['x-acs-retry-after']);
  if (Number.isFinite(acs) && acs > 0) return acs;
  const standard = Number(response.headers['retry-after']);
  if (Number.isFinite(standard) && standard > 0) return standard * 1000;
  return undefined;
}

function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.client.request.start', (message) => {
    const { request } = message as { request: ClientRequest };
    if (watched.size === 0) return;
    const nonce = nonceOf(request);
    if (nonce === undefined || !watched.has(nonce)) return;
    request.once('finish', () => {
      if (watched.has(nonce)) written.set(nonce, performance.now());
    });
  });
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    if (watched.size === 0) return;
    const nonce = nonceOf(request);
    if (nonce === undefined || !watched.has(nonce)) return;
    const retryAfterMs = retryAfterOf(response);
    const writtenAt = written.get(nonce);
    watched.set(nonce, {
      status: response.statusCode ?? 0,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(writtenAt === undefined ? {} : { roundTripMs: performance.now() - writtenAt }),
    });
  });
}

/** Starts watching for the response to the request carrying `nonce`. */
export function watchResponse(nonce: string): void {
  ensureSubscribed();
  watched.set(nonce, null);
}

/** Stops watching and returns what was seen (undefined if no response arrived, e.g. refused). */
export function takeResponse(nonce: string): ObservedResponse | undefined {
  const seen = watched.get(nonce);
  watched.delete(nonce);
  written.delete(nonce);
  return seen ?? undefined;
}
