import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { classifyByStatus, classifyVendorCode } from '../classify-http.js';
import { escapeMarkdown, escapeMarkdownTitle } from '../escape-text.js';
import { markdownEntries } from '../markdown-entries.js';
import { type HttpReply, parseJsonObject } from '../post-body.js';
import {
  type Entry,
  fitOutline,
  moreAlerts,
  type Outline,
  outlineOf,
  shouldMention,
  utf8Bytes,
} from '../render-outline.js';
import type { Mentions } from '../routing-file.js';
import { createHttpChannel, type HttpChannelOptions } from './create-http-channel.js';

/** `markdown.content` limit, in UTF-8 bytes of the content itself. */
export const WECOM_MAX_BYTES = 4_096;
/** `text.content` limit (used when mentioning by mobile or @all, which only text messages support). */
const WECOM_TEXT_MAX_BYTES = 2_048;

export type WecomBody =
  | { readonly msgtype: 'markdown'; readonly markdown: { readonly content: string } }
  | {
      readonly msgtype: 'text';
      readonly text: {
        readonly content: string;
        readonly mentioned_list: readonly string[];
        readonly mentioned_mobile_list: readonly string[];
      };
    };

/** `url`: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<uuid>` (the key is the only credential). */
export interface WecomChannelOptions extends HttpChannelOptions {
  /** `userIds` as `<@userid>` in markdown; `mobiles` and `all` (@all) need a text message. */
  readonly mentions?: Mentions | undefined;
}

/** WeCom group robot: markdown ≤ 4096 bytes, 18/min (limit 20/min), errors in `errcode`. */
export function createWecomChannel(options: WecomChannelOptions): Channel {
  return createHttpChannel(options, {
    type: 'wecom',
    limits: [{ limit: 18, windowMs: 60_000 }],
    maxBytes: WECOM_MAX_BYTES,
    render: (content, budget) => renderWecom(content, budget, options.mentions),
    classify: classifyWecomReply,
  });
}

/**
 * WeCom markdown has three font colours: info (green), comment (grey), warning (orange-red). Firing
 * critical and warning messages are drawn in warning, notices in grey and resolved messages in green.
 */
function colourOf(outline: Outline): 'info' | 'comment' | 'warning' {
  if (outline.status === 'resolved') return 'info';
  if (outline.status === 'info') return 'comment';
  return 'warning';
}

export function renderWecom(content: MessageContent, budget: number, mentions: Mentions = {}): WecomBody {
  const outline = outlineOf(content);
  const mention = shouldMention(content, mentions.on);
  const mobiles = mention ? [...(mentions.mobiles ?? [])] : [];
  const atAll = mention && mentions.all === true;
  if (mobiles.length > 0 || atAll) return renderWecomText(content, outline, mentions, mobiles, atAll);
  const userIds = mention ? (mentions.userIds ?? []) : [];
  const tail = userIds.length > 0 ? `\n${userIds.map((id) => `<@${id}>`).join(' ')}` : '';
  const head = `### <font color="${colourOf(outline)}">${escapeMarkdownTitle(outline.title)}</font>`;
  const body = fitOutline(
    (withDetails) =>
      markdownEntries(content, outline, withDetails, {
        heading: (text) => `**${text}**`,
        item: (item) =>
          `> ${item.mark} ${escapeMarkdown(item.title)} <font color="comment">(${item.when})</font>`,
      }),
    Math.min(budget, WECOM_MAX_BYTES) - utf8Bytes(head) - utf8Bytes(tail) - 1,
    { joiner: '\n', measure: utf8Bytes, more: moreAlerts(outline.language) },
  );
  return { msgtype: 'markdown', markdown: { content: `${head}\n${body}${tail}` } };
}

/** Plain text with `mentioned_mobile_list` / `@all` (markdown messages cannot mention by mobile). */
function renderWecomText(
  content: MessageContent,
  outline: Outline,
  mentions: Mentions,
  mobiles: string[],
  atAll: boolean,
): WecomBody {
  const entries = (withDetails: boolean): Entry[] =>
    outline.sections.flatMap((section) => [
      ...(content.groups.length > 1 || section.items.length > 1
        ? [{ text: section.heading, alerts: 0 }]
        : []),
      ...section.items.map((item) => ({
        text: `${item.mark} ${item.title} (${item.when})${withDetails && item.detail ? `\n  ${item.detail}` : ''}`,
        alerts: 1,
      })),
    ]);
  const body = fitOutline(entries, WECOM_TEXT_MAX_BYTES - utf8Bytes(outline.title) - 1, {
    joiner: '\n',
    measure: utf8Bytes,
    more: moreAlerts(outline.language),
  });
  return {
    msgtype: 'text',
    text: {
      content: `${outline.title}\n${body}`,
      mentioned_list: [...(mentions.userIds ?? []), ...(atAll ? ['@all'] : [])],
      mentioned_mobile_list: mobiles,
    },
  };
}

/** WeCom's global code table (https://developer.work.weixin.qq.com/document/path/90313). */
const PERMANENT: Readonly<Record<number, string>> = {
  93000: 'invalid webhook url (bad key)',
  40008: 'invalid message type',
  44004: 'empty content',
  40035: 'invalid parameter',
};

/** errcode 0 → sent; 45009 → throttled, after the minute window; -1 → busy; 40058 → shrink. */
export function classifyWecomReply(reply: HttpReply, now: number): SendOutcome {
  const body = parseJsonObject(reply.text);
  const errcode = body?.errcode;
  if (typeof errcode !== 'number') return classifyByStatus(reply, now, 'wecom');
  const errmsg = typeof body?.errmsg === 'string' ? body.errmsg.slice(0, 200) : '';
  return classifyVendorCode(errcode, `wecom errcode ${errcode}${errmsg ? ` (${errmsg})` : ''}`, {
    retry: {
      45009: { afterMs: 60_000, throttled: true, reason: 'rate limited' },
      [-1]: { afterMs: 30_000, reason: 'busy' },
    },
    permanent: PERMANENT,
    tooLarge: { 40058: 'content too long' },
  });
}
