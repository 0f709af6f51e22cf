import type { SendOutcome } from './channel.js';
import { type HttpReply, parseRetryAfter } from './post-body.js';

/** First retry delay for failures without a vendor-given wait; the outbox doubles it per attempt. */
export const BACKOFF_BASE_MS = 30_000;

/**
 * Classifies a reply by HTTP status alone, for replies that carry no vendor code:
 * 429 → wait Retry-After; 3xx/5xx → backoff; 413 → too large; other 4xx → permanent;
 * 2xx without the vendor's success marker → unknown, so a failure (never "sent").
 */
export function classifyByStatus(reply: HttpReply, now: number, what: string): SendOutcome {
  const { status } = reply;
  const snippet = reply.text.slice(0, 200).trim();
  if (status === 429) {
    const afterMs = parseRetryAfter(reply.headers.get('retry-after'), now) ?? 60_000;
    return { outcome: 'retry', afterMs, throttled: true, reason: `${what}: HTTP 429 rate limited` };
  }
  if (status === 413) return { outcome: 'too-large', reason: `${what}: HTTP 413 ${snippet}` };
  if (status >= 500 || (status >= 300 && status < 400)) {
    const afterMs = parseRetryAfter(reply.headers.get('retry-after'), now) ?? BACKOFF_BASE_MS;
    return { outcome: 'retry', afterMs, backoff: true, reason: `${what}: HTTP ${status} ${snippet}`.trim() };
  }
  if (status >= 400) return { outcome: 'permanent', reason: `${what}: HTTP ${status} ${snippet}`.trim() };
  return {
    outcome: 'retry',
    afterMs: BACKOFF_BASE_MS,
    backoff: true,
    reason: `${what}: unrecognised reply (HTTP ${status}) ${snippet}`.trim(),
  };
}

/** A wait a vendor code asks for, and whether it is the vendor throttling this robot. */
interface CodeRetry {
  readonly afterMs: number;
  readonly throttled?: true;
  readonly reason: string;
}

/** A chat vendor's reply codes beyond 0 (sent): what each known one means. */
export interface VendorCodes {
  readonly retry: Readonly<Record<number, CodeRetry>>;
  /** Codes that need a rule, not a table row (DingTalk's throttling by message text, its 310000). */
  readonly decide?: (code: number) => SendOutcome | undefined;
  readonly permanent: Readonly<Record<number, string>>;
  readonly tooLarge: Readonly<Record<number, string>>;
}

/**
 * Classifies a vendor's reply code (`said` names it in the reason). A code none of the tables knows
 * is retried with backoff: a new or undocumented code may be transient, and calling it permanent
 * would drop the alert.
 */
export function classifyVendorCode(code: number, said: string, codes: VendorCodes): SendOutcome {
  if (code === 0) return { outcome: 'sent' };
  const retry = codes.retry[code];
  if (retry !== undefined) return { outcome: 'retry', ...retry, reason: `${said}: ${retry.reason}` };
  const decided = codes.decide?.(code);
  if (decided !== undefined) return decided;
  const permanent = codes.permanent[code];
  if (permanent !== undefined) return { outcome: 'permanent', reason: `${said}: ${permanent}` };
  const tooLarge = codes.tooLarge[code];
  if (tooLarge !== undefined) return { outcome: 'too-large', reason: `${said}: ${tooLarge}` };
  return { outcome: 'retry', afterMs: BACKOFF_BASE_MS, backoff: true, reason: `${said}: unknown code` };
}
