import { createHmac } from 'node:crypto';

/**
 * Feishu/Lark bot signature: the reverse of DingTalk. The KEY is `${timestampSeconds}\n${secret}`
 * and the message is EMPTY; Base64 of the HMAC-SHA256 goes into the JSON body beside `timestamp`.
 */
export function signFeishu(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}
