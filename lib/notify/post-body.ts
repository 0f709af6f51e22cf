import { describeError } from '../errors.js';
import { redact } from '../redact.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export type PostResult =
  | { readonly ok: true; readonly reply: HttpReply }
  | { readonly ok: false; readonly reason: string };

export interface PostBodyOptions {
  readonly headers?: Record<string, string>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * POSTs a JSON body and reads the reply as text. Transport failures (refused, reset, timeout) come
 * back as `{ ok: false }` with a secret-free reason: the URL is never part of it, because fetch's
 * own messages can quote the URL, which carries the webhook token.
 */
export async function postBody(url: string, body: string, options: PostBodyOptions): Promise<PostResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body,
      signal,
      // DingTalk answers a throttled robot with a 302 to a captcha page: treat it as a failure.
      redirect: 'manual',
    });
    const text = await response.text();
    return { ok: true, reply: { status: response.status, headers: response.headers, text } };
  } catch (error) {
    return { ok: false, reason: transportReason(error, url) };
  }
}

function transportReason(error: unknown, url: string): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code =
    cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : cause ? cause.name : undefined;
  const what =
    error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
      ? 'timed out'
      : `network error${code ? ` (${code})` : ''}`;
  // describeError may quote the URL; strip it and redact whatever remains.
  const detail = describeError(error).split(url).join('<webhook>');
  return redact(`${what}: ${detail}`);
}

/** Retry-After in seconds or as an HTTP date, in ms from `now`; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Parses a JSON object reply; undefined when the body is not a JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    // Not JSON: the caller classifies the reply as an unknown answer.
    return undefined;
  }
}
