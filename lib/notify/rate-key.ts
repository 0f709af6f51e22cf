import { createHash } from 'node:crypto';

/**
 * The shared rate-limit key of one channel endpoint: `notify:<channel>:<12 hex of sha256(url)>`.
 * Per webhook (two DingTalk robots have two budgets) without putting the token in the store.
 */
export function rateKeyOf(channel: string, url: string): string {
  return `notify:${channel}:${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}
