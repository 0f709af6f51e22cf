import { createHmac } from 'node:crypto';

/**
 * DingTalk robot signature (加签): Base64(HMAC-SHA256(key = secret, message = `${timestampMs}\n${secret}`)).
 * Returned NOT URL-encoded; `signDingtalkUrl` encodes it exactly once (encoding twice, or not at all,
 * is the usual "sign not match": an unencoded `+` decodes as a space).
 */
export function signDingtalk(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Appends `timestamp` and `sign` as query parameters (not the body), as DingTalk requires. */
export function signDingtalkUrl(webhookUrl: string, secret: string, timestampMs: number): string {
  const separator = webhookUrl.includes('?') ? '&' : '?';
  const sign = encodeURIComponent(signDingtalk(secret, timestampMs));
  return `${webhookUrl}${separator}timestamp=${timestampMs}&sign=${sign}`;
}
