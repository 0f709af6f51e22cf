import { createHmac, timingSafeEqual } from 'node:crypto';
import { verifyToken } from '../callback/verify-token.js';
import type { HttpRequest } from '../ports/http-request.js';

const SESSION_COOKIE = 'livewatch_status';

/**
 * How a status request proves it may read: `Authorization: Bearer <token>` (tools, `livewatch
 * status --url`), or the session cookie set by the login form or by opening a link with `?token=`
 * once (phones). The cookie holds no token: `<expiry>.<HMAC-SHA256(token, expiry)>`, so it dies with
 * its expiry or when its token is rotated out of LIVEWATCH_STATUS_TOKENS. Every compare is constant-time.
 */
export function isAuthorized(
  request: HttpRequest,
  tokens: readonly string[],
  now: number,
  maxAgeMs: number,
): boolean {
  const bearer = bearerOf(request);
  if (bearer !== undefined) return verifyToken(bearer, tokens);
  const cookie = cookieOf(request, SESSION_COOKIE);
  return cookie !== undefined && verifySession(cookie, tokens, now, maxAgeMs);
}

export function bearerOf(request: HttpRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** A session value for `token` valid until now + maxAgeMs. */
export function createSession(token: string, now: number, maxAgeMs: number): string {
  const expiry = String(now + maxAgeMs);
  return `${expiry}.${sign(token, expiry)}`;
}

function verifySession(value: string, tokens: readonly string[], now: number, maxAgeMs: number): boolean {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match?.[1] || !match[2]) return false;
  const expiry = Number(match[1]);
  // An expiry further out than one session is forged or from another setting: refuse it.
  if (expiry <= now || expiry > now + maxAgeMs) return false;
  const given = Buffer.from(match[2], 'base64url');
  let matched = false;
  for (const token of tokens) {
    matched = timingSafeEqual(given, Buffer.from(sign(token, match[1]), 'base64url')) || matched;
  }
  return matched;
}

function sign(token: string, expiry: string): string {
  return createHmac('sha256', token).update(`livewatch-status-session:${expiry}`).digest('base64url');
}

function cookieOf(request: HttpRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(/[;,]/)) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** The cookie header: HttpOnly, SameSite=Strict, scoped to the status page; Secure unless on loopback. */
export function sessionCookie(value: string, path: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=${path}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
