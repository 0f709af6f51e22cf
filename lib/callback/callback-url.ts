import type { Config } from '../config/config.js';
import { verifyToken } from './verify-token.js';

type UrlSettings = Pick<Config, 'LIVEWATCH_CALLBACK_BASE_URL' | 'LIVEWATCH_CALLBACK_TOKENS'>;

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
  const prefix = url.pathname.replace(/\/+$/, '');
  url.pathname = `${prefix}/callback/${token}`;
  url.search = '';
  url.searchParams.set('region', region);
  return url.toString();
}

/**
 * Whether `url` already points at this livewatch (same origin and path prefix as the base URL, with any
 * accepted token, current or rotated-out-but-still-accepted). Used by enrolment to leave such tasks alone.
 */
export function isOwnCallbackUrl(config: UrlSettings, url: string | undefined): boolean {
  const base = config.LIVEWATCH_CALLBACK_BASE_URL;
  if (!base || !url) return false;
  let candidate: URL;
  let baseUrl: URL;
  try {
    candidate = new URL(url);
    baseUrl = new URL(base);
  } catch {
    // Not a URL at all (a task's CallbackUrl is free text to us): certainly not ours.
    return false;
  }
  if (candidate.origin !== baseUrl.origin) return false;
  const prefix = `${baseUrl.pathname.replace(/\/+$/, '')}/callback/`;
  if (!candidate.pathname.startsWith(prefix)) return false;
  const token = candidate.pathname.slice(prefix.length).replace(/\/+$/, '');
  return token.length > 0 && !token.includes('/') && verifyToken(token, config.LIVEWATCH_CALLBACK_TOKENS);
}
