import type { Clock } from '../../clock.js';
import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { BACKOFF_BASE_MS, classifyByStatus } from '../classify-http.js';
import { postAndClassify } from '../post-and-classify.js';
import { type HttpReply, parseJsonObject } from '../post-body.js';
import { rateKeyOf } from '../rate-key.js';
import { fitLines, outlineOf, utf8Bytes } from '../render-outline.js';

/** `markdown.content` limit, in UTF-8 bytes of the content itself. */
export const WECOM_MAX_BYTES = 4_096;

export interface WecomBody {
  readonly msgtype: 'markdown';
  readonly markdown: { readonly content: string };
}

export interface WecomChannelOptions {
  /** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<uuid>` (the key is the only credential). */
  readonly url: string;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** WeCom group robot: markdown ≤ 4096 bytes, 18/min (limit 20/min), errors in `errcode`. */
export function createWecomChannel(options: WecomChannelOptions): Channel {
  return {
    name: 'wecom',
    rateKey: rateKeyOf('wecom', options.url),
    limits: [{ limit: 18, windowMs: 60_000 }],
    maxBytes: WECOM_MAX_BYTES,
    render: (content, budget) => renderWecom(content, budget),
    async send(body, context) {
      return postAndClassify(
        'wecom',
        options.url,
        JSON.stringify(body),
        { timeoutMs: options.timeoutMs ?? 10_000, signal: context.signal },
        (reply) => classifyWecomReply(reply, options.clock.now()),
      );
    },
  };
}

const COLOR = { critical: 'warning', warning: 'comment', info: 'info' } as const;

export function renderWecom(content: MessageContent, budget: number): WecomBody {
  const outline = outlineOf(content);
  const lines: string[] = [];
  for (const section of outline.sections) {
    if (content.groups.length > 1 || section.items.length > 1) lines.push(`**${section.heading}**`);
    for (const item of section.items) {
      lines.push(`> ${item.mark} ${item.title} <font color="comment">(${item.when})</font>`);
      if (item.detail) lines.push(`> ${item.detail.replace(/\n+/g, ' ')}`);
    }
  }
  if (outline.footer) lines.push(outline.footer);
  const head = `### <font color="${COLOR[outline.severity]}">${outline.title}</font>`;
  const text = fitLines([head, ...lines], Math.min(budget, WECOM_MAX_BYTES), {
    joiner: '\n',
    measure: utf8Bytes,
    more: (n) => `… ${n} more line${n === 1 ? '' : 's'} not shown (message size limit)`,
  });
  return { msgtype: 'markdown', markdown: { content: text } };
}

/** errcode 0 → sent; 45009 → retry after the minute window; 93000 → permanent (bad key). */
export function classifyWecomReply(reply: HttpReply, now: number): SendOutcome {
  const body = parseJsonObject(reply.text);
  const errcode = body?.errcode;
  if (typeof errcode !== 'number') return classifyByStatus(reply, now, 'wecom');
  const errmsg = typeof body?.errmsg === 'string' ? body.errmsg.slice(0, 200) : '';
  const said = `wecom errcode ${errcode}${errmsg ? ` (${errmsg})` : ''}`;
  if (errcode === 0) return { outcome: 'sent' };
  if (errcode === 45009) return { outcome: 'retry', afterMs: 60_000, reason: `${said}: rate limited` };
  if (errcode === 93000) return { outcome: 'permanent', reason: `${said}: invalid webhook url (bad key)` };
  if (errcode === 40058) return { outcome: 'too-large', reason: `${said}: content too long` };
  return { outcome: 'retry', afterMs: BACKOFF_BASE_MS, backoff: true, reason: `${said}: unknown code` };
}
