import type { Config } from '../config/config.js';
import { verifyToken } from './verify-token.js';

/**
 * The one callback-URL rule: how livewatch's receiver URL is built, how the receiver reads a request
 * path, and how a task's CallbackUrl relates to it. The receiver (handle-callback-request.ts),
 * enrolment (lib/monitor/enrol-relay-task.ts) and forwarding all ask this module, so "the receiver
 * accepts this URL" and "enrolment leaves this URL alone" are the same answer (docs/callback.md).
 */
type UrlSettings = Pick<Config, 'LIVEWATCH_CALLBACK_BASE_URL' | 'LIVEWATCH_CALLBACK_TOKENS'>;

/**
 * How a relay task's CallbackUrl relates to livewatch:
 * - `missing`: none, so the task sends no callbacks (enrol it);
 * - `ours`: a URL the receiver accepts — the base URL's origin and path, `/callback/<accepted token>`
 *   exactly as the receiver compares it (no decoding, no extra segment or trailing slash) — for the
 *   task's region (leave it alone);
 * - `ours-stale`: addressed to livewatch's receiver, but the receiver would refuse its callbacks
 *   (a rotated-out token, `/callback/<token>/extra`, a `%`-escaped token) or would file them under
 *   another region than the task's — by its `?region=`, or, without one, by the receiver's default
 *   region; re-enrol, and never forward to it (that is forwarding to ourselves);
 * - `foreign`: someone else's receiver (take over only when LIVEWATCH_ENROL=takeover).
 */
export type CallbackUrlClass = 'missing' | 'ours' | 'ours-stale' | 'foreign';

/** The one path segment the receiver listens under, below the base URL's path. */
const CALLBACK_SEGMENT = 'callback';

/**
 * The CallbackUrl livewatch gives a relay task: LIVEWATCH_CALLBACK_BASE_URL + `/callback/<first token>`
 * + `?region=<region>` (the receiver takes the task's region from it). Undefined when no base URL or
 * no token is configured (enrolment is then off).
 * @example buildCallbackUrl(config, 'cn-shanghai') // 'https://x.cn-shanghai.fcapp.run/callback/<token>?region=cn-shanghai'
 */
export function buildCallbackUrl(config: UrlSettings, region: string): string | undefined {
  const base = config.LIVEWATCH_CALLBACK_BASE_URL;
  const token = config.LIVEWATCH_CALLBACK_TOKENS[0];
  if (!base || !token) return undefined;
  const url = new URL(base);
  url.pathname = `${basePathOf(url)}/${CALLBACK_SEGMENT}/${token}`;
  url.search = '';
  url.searchParams.set('region', region);
  return url.toString();
}

/**
 * A request path as the receiver routes it. Enrolled URLs keep the base URL's path
 * (`https://gw.example.com/livewatch/callback/<token>`); a custom domain routing that prefix to the
 * function passes it on, so it is taken off here.
 * @example receiverPathOf('/livewatch/callback/abc', 'https://gw.example.com/livewatch') // '/callback/abc'
 */
export function receiverPathOf(path: string, baseUrl: string | undefined): string {
  if (baseUrl === undefined) return path;
  const prefix = basePathOf(new URL(baseUrl));
  return prefix !== '' && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/**
 * The token segment of a receiver path, as it stands (the receiver compares it undecoded):
 * `/callback/<token>` → the token; any other path under `/callback/` → `''`, which no token equals;
 * a path outside `/callback/` → undefined (not the receiver's).
 */
export function callbackTokenOf(receiverPath: string): string | undefined {
  const segments = receiverPath.split('/').slice(1);
  if (segments[0] !== CALLBACK_SEGMENT) return undefined;
  return segments.length === 2 ? (segments[1] ?? '') : '';
}

/**
 * Classifies a task's CallbackUrl (see CallbackUrlClass).
 * @param taskRegion the task's region; a URL filed under another region is stale.
 * @param defaultRegion where the receiver files a callback whose URL has no `?region=`.
 */
export function classifyCallbackUrl(
  url: string | undefined,
  baseUrl: string,
  acceptedTokens: readonly string[],
  taskRegion?: string,
  defaultRegion?: string,
): CallbackUrlClass {
  if (url === undefined || url.trim() === '') return 'missing';
  let target: URL;
  let base: URL;
  try {
    target = new URL(url.trim());
    base = new URL(baseUrl);
  } catch {
    // A URL the platform accepted but WHATWG URL cannot parse is certainly not livewatch's.
    return 'foreign';
  }
  const prefix = basePathOf(base);
  if (target.origin !== base.origin || !target.pathname.startsWith(`${prefix}/`)) return 'foreign';
  const token = callbackTokenOf(target.pathname.slice(prefix.length));
  if (token === undefined) return 'foreign';
  if (!verifyToken(token, acceptedTokens)) return 'ours-stale';
  const region = target.searchParams.get('region') ?? defaultRegion;
  return taskRegion !== undefined && region !== undefined && region !== taskRegion ? 'ours-stale' : 'ours';
}

/**
 * Whether `url` is addressed to this livewatch's receiver, whatever its token: forwarding a callback
 * there would send it back to ourselves, so a taken-over task's original URL is forwarded only when
 * this is false.
 */
export function isOwnCallbackUrl(config: UrlSettings, url: string | undefined): boolean {
  const base = config.LIVEWATCH_CALLBACK_BASE_URL;
  if (!base) return false;
  const kind = classifyCallbackUrl(url, base, config.LIVEWATCH_CALLBACK_TOKENS);
  return kind === 'ours' || kind === 'ours-stale';
}

/** The base URL's path without trailing slashes ('' for a bare origin). */
function basePathOf(base: URL): string {
  return base.pathname.replace(/\/+$/, '');
}
