import type { Clock } from '../../clock.js';
import { redact } from '../../redact.js';
import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { classifyByStatus, classifyVendorCode } from '../classify-http.js';
import { escapeMarkdown, escapeMarkdownTitle } from '../escape-text.js';
import { markdownEntries } from '../markdown-entries.js';
import { postAndClassify } from '../post-and-classify.js';
import { type HttpReply, parseJsonObject } from '../post-body.js';
import { rateKeyOf } from '../rate-key.js';
import {
  fitOutline,
  jsonBytes,
  moreAlerts,
  outlineOf,
  shouldMention,
  truncateTo,
} from '../render-outline.js';
import type { Mentions } from '../routing-file.js';
import { signDingtalkUrl } from '../sign-dingtalk.js';

/** errcode 460101: "message too long, exceed 20000 bytes". */
export const DINGTALK_MAX_BYTES = 20_000;
/** JSON keys, title, `at` block and escapes around the markdown text. */
const ENVELOPE_BYTES = 600;

export interface DingtalkBody {
  readonly msgtype: 'markdown';
  readonly markdown: { readonly title: string; readonly text: string };
  readonly at: {
    readonly atMobiles: readonly string[];
    readonly atUserIds: readonly string[];
    readonly isAtAll: boolean;
  };
}

/** One DingTalk custom robot: its webhook and its own security settings. */
export interface DingtalkRobot {
  /** `https://oapi.dingtalk.com/robot/send?access_token=…` (a credential). */
  readonly url: string;
  /** 加签 secret; when set every request is signed. */
  readonly secret?: string | undefined;
  /** Custom-keyword security: appended to messages that do not already contain it. */
  readonly keyword?: string | undefined;
}

export interface DingtalkChannelOptions extends DingtalkRobot {
  /** Receiver name (outbox and group key); `dingtalk` for the settings' default receiver. */
  readonly name?: string | undefined;
  /** `mobiles` as atMobiles, `userIds` as atUserIds, `all` as isAtAll. */
  readonly mentions?: Mentions | undefined;
  /**
   * Robots of one group rotated to get past 20 messages/min per robot (docs/notify.md "Robot
   * rotation"): each is paced on its own and signs with its own secret; its keyword is added when
   * the message is sent. When given, `url`/`secret`/`keyword` are ignored.
   */
  readonly robots?: readonly DingtalkRobot[] | undefined;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/**
 * The DingTalk custom robot: markdown messages, signed per request, 18/min (the robot allows 20/min
 * and may block for 10 min beyond it). Success is decided from `errcode` in the body, never the HTTP status.
 */
export function createDingtalkChannel(options: DingtalkChannelOptions): Channel {
  const robots = options.robots ?? [options];
  const rotating = options.robots !== undefined;
  const lanes = robots.map((robot) => ({ rateKey: rateKeyOf('dingtalk', robot.url) }));
  return {
    name: options.name ?? 'dingtalk',
    type: 'dingtalk',
    rateKey: lanes[0]?.rateKey ?? rateKeyOf('dingtalk', options.url),
    ...(rotating ? { lanes } : {}),
    limits: [{ limit: 18, windowMs: 60_000 }],
    // A rotating receiver adds each robot's keyword at send time: leave room for the longest.
    maxBytes:
      DINGTALK_MAX_BYTES - (rotating ? Math.max(0, ...robots.map((r) => keywordBytes(r.keyword))) : 0),
    render: (content, budgetBytes) =>
      renderDingtalk(content, budgetBytes, {
        mentions: options.mentions,
        keyword: rotating ? undefined : options.keyword,
      }),
    async send(body, context) {
      const robot = robots[context.lane ?? 0] ?? options;
      const now = options.clock.now();
      const url = robot.secret ? signDingtalkUrl(robot.url, robot.secret, now) : robot.url;
      return postAndClassify(
        'dingtalk',
        url,
        JSON.stringify(rotating ? withKeyword(body, robot.keyword) : body),
        { timeoutMs: options.timeoutMs ?? 10_000, signal: context.signal, onReply: context.onReply },
        (reply) => classifyDingtalkReply(reply, now),
      );
    },
  };
}

const keywordBytes = (keyword: string | undefined): number => (keyword ? Buffer.byteLength(keyword) + 2 : 0);

/** The stored body with this robot's keyword appended (keyword-secured robots refuse messages without it, 310000). */
function withKeyword(body: unknown, keyword: string | undefined): unknown {
  const markdown = (body as Partial<DingtalkBody> | undefined)?.markdown;
  if (!keyword || markdown === undefined || typeof markdown.text !== 'string') return body;
  if (markdown.title.includes(keyword) || markdown.text.includes(keyword)) return body;
  return { ...(body as DingtalkBody), markdown: { ...markdown, text: `${markdown.text}\n\n${keyword}` } };
}

/** Markdown with the title as a heading; mentions (in `at` AND in the text) only as `shouldMention` allows. */
export function renderDingtalk(
  content: MessageContent,
  budgetBytes: number,
  options: { mentions?: Mentions | undefined; keyword?: string | undefined } = {},
): DingtalkBody {
  const outline = outlineOf(content);
  const m = options.mentions ?? {};
  const mention = shouldMention(content, m.on);
  const atMobiles = mention ? [...(m.mobiles ?? [])] : [];
  const atUserIds = mention ? [...(m.userIds ?? [])] : [];
  const isAtAll = mention && m.all === true;
  const head = [`### ${escapeMarkdownTitle(outline.title)}`, ''];
  // DingTalk requires every mentioned mobile / userId to appear in the text as @…, too.
  const names = [...atMobiles, ...atUserIds].map((who) => `@${who}`);
  const tail = names.length > 0 ? ['', names.join(' ')] : [];
  // Keyword-secured robots reject (310000) any message without one of their keywords.
  const keyword = options.keyword;
  const needsKeyword = keyword !== undefined && keyword !== '' && !outline.title.includes(keyword);
  if (needsKeyword) tail.push('', keyword);
  const title = truncateTo(outline.title, 200, jsonBytes);
  const fixed = jsonBytes([...head, ...tail].join('\n')) + jsonBytes(title) + ENVELOPE_BYTES;
  const body = fitOutline(
    (withDetails) =>
      markdownEntries(content, outline, withDetails, {
        heading: (text) => `#### ${text}`,
        item: (item) => `- ${item.mark} **${escapeMarkdown(item.title)}** (${item.when})`,
      }),
    Math.min(budgetBytes, DINGTALK_MAX_BYTES) - fixed,
    { joiner: '\n', measure: jsonBytes, more: (n) => `- ${moreAlerts(outline.language)(n)}` },
  );
  return {
    msgtype: 'markdown',
    markdown: { title, text: [...head, body, ...tail].join('\n') },
    at: { atMobiles, atUserIds, isAtAll },
  };
}

const PERMANENT: Readonly<Record<number, string>> = {
  // The global code table: "鉴权异常", an authentication failure whose cause is in sub_code/sub_msg.
  88: 'authentication failed (see sub_msg)',
  300001: 'token does not exist',
  300005: 'token does not exist (or external group)',
  400013: 'group dissolved',
  400101: 'access_token missing',
  400102: 'robot disabled',
  400105: 'unsupported message type',
  400106: 'robot not in group',
  430101: 'unsafe link (content moderation)',
  430102: 'inappropriate text (content moderation)',
  430103: 'inappropriate image (content moderation)',
  430104: 'inappropriate content (content moderation)',
  40035: 'missing parameter',
  43002: 'POST required',
  43004: 'invalid Content-Type',
};

/**
 * DingTalk reports errors INSIDE HTTP 200 as `errcode`. Throttling (130101/410100/"too fast"/"限流") is
 * retried after at least a minute — mapping it to a permanent failure is how prometheus-webhook-dingtalk
 * drops alerts. 310000 is one code for several security failures: the cause is taken from errmsg.
 */
export function classifyDingtalkReply(reply: HttpReply, now: number): SendOutcome {
  const body = parseJsonObject(reply.text);
  const errcode = body?.errcode;
  if (body === undefined || typeof errcode !== 'number') {
    if (reply.status >= 300 && reply.status < 400) {
      // A 302 to a captcha page is reported while a robot is blocked for sending too fast.
      return {
        outcome: 'retry',
        afterMs: 10 * 60_000,
        throttled: true,
        reason: `dingtalk: HTTP ${reply.status} (robot blocked?)`,
      };
    }
    return classifyByStatus(reply, now, 'dingtalk');
  }
  const subMsg = typeof body.sub_msg === 'string' ? `; ${body.sub_msg}` : '';
  const errmsg = typeof body.errmsg === 'string' ? redact(`${body.errmsg}${subMsg}`).slice(0, 300) : '';
  const said = `dingtalk errcode ${errcode}${errmsg ? ` (${errmsg})` : ''}`;
  const decide = (code: number): SendOutcome | undefined => {
    if (code === 130101 || code === 410100 || /too fast|限流/i.test(errmsg)) {
      const wait = typeof body.wait === 'number' ? body.wait * 1000 : 0;
      return {
        outcome: 'retry',
        afterMs: Math.max(60_000, wait),
        throttled: true,
        reason: `${said}: throttled`,
      };
    }
    if (code === 310000) {
      return {
        outcome: 'permanent',
        reason: `${said}: security check failed, cause: ${securityCause(errmsg)}`,
      };
    }
    // Daily/monthly webhook quota: nothing gets through until it resets.
    if (code === 90030) {
      return {
        outcome: 'retry',
        afterMs: 60 * 60_000,
        throttled: true,
        reason: `${said}: webhook quota reached`,
      };
    }
    return undefined;
  };
  return classifyVendorCode(errcode, said, {
    retry: { [-1]: { afterMs: 30_000, reason: 'busy' } },
    decide,
    permanent: PERMANENT,
    tooLarge: { 460101: 'too long', 101002: 'too long' },
  });
}

/** Which of the 310000 security checks failed, from errmsg. */
export function securityCause(errmsg: string): 'keyword' | 'sign' | 'ip' | 'clock' | 'unknown' {
  const text = errmsg.toLowerCase();
  if (text.includes('timestamp') || text.includes('时间')) return 'clock';
  if (text.includes('keyword') || text.includes('关键词')) return 'keyword';
  if (text.includes('sign') || text.includes('签名')) return 'sign';
  if (text.includes('whitelist') || /\bip\b/.test(text) || text.includes('白名单')) return 'ip';
  return 'unknown';
}
