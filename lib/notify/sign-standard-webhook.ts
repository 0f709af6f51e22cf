import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks 1.0 `v1` signature over `${id}.${timestampSeconds}.${body}` (the exact body
 * bytes sent). A `whsec_` secret is base64 after the prefix, per the spec; any other secret is used
 * as UTF-8 bytes. Returns the header value `v1,<base64>`.
 */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}
