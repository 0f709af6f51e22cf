import type { Clock } from '../../clock.js';
import { redact } from '../../redact.js';
import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { BACKOFF_BASE_MS, classifyByStatus } from '../classify-http.js';
import { postAndClassify } from '../post-and-classify.js';
import { type HttpReply, parseJsonObject } from '../post-body.js';
import { rateKeyOf } from '../rate-key.js';
import { fitLines, jsonBytes, outlineOf, truncateTo } from '../render-outline.js';
import { signDingtalkUrl } from '../sign-dingtalk.js';

/** errcode 460101: "message too long, exceed 20000 bytes". */
export const DINGTALK_MAX_BYTES = 20_000;
/** JSON keys, title, `at` block and escapes around the markdown text. */
const ENVELOPE_BYTES = 600;

export interface DingtalkBody {
  readonly msgtype: 'markdown';
  readonly markdown: { readonly title: string; readonly text: string };
  readonly at: { readonly atMobiles: readonly string[]; readonly isAtAll: false };
}

export interface DingtalkChannelOptions {
  /** `https://oapi.dingtalk.com/robot/send?access_token=…` (a credential). */
  readonly url: string;
  /** 加签 secret; when set every request is signed. */
  readonly secret?: string | undefined;
  /** Mentioned on critical messages, in `at.atMobiles` AND as `@mobile` in the text (both are required). */
  readonly atMobiles?: readonly string[];
  /** Custom-keyword security: appended to messages that do not already contain it. */
  readonly keyword?: string | undefined;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/**
 * The DingTalk custom robot: markdown messages, signed per request, 18/min (the robot allows 20/min
 * and may block for 10 min beyond it). Success is decided from `errcode` in the body, never the HTTP status.
 */
export function createDingtalkChannel(options: DingtalkChannelOptions): Channel {
  const atMobiles = options.atMobiles ?? [];
  return {
    name: 'dingtalk',
    rateKey: rateKeyOf('dingtalk', options.url),
    limits: [{ limit: 18, windowMs: 60_000 }],
    maxBytes: DINGTALK_MAX_BYTES,
    render: (content, budgetBytes) => renderDingtalk(content, budgetBytes, atMobiles, options.keyword),
    async send(body, context) {
      const now = options.clock.now();
      const url = options.secret ? signDingtalkUrl(options.url, options.secret, now) : options.url;
      return postAndClassify(
        'dingtalk',
        url,
        JSON.stringify(body),
        { timeoutMs: options.timeoutMs ?? 10_000, signal: context.signal },
        (reply) => classifyDingtalkReply(reply, now),
      );
    },
  };
}

/** Markdown with the title as a heading; critical messages mention `atMobiles` in `at` and in the text. */
export function renderDingtalk(
  content: MessageContent,
  budgetBytes: number,
  atMobiles: readonly string[],
  keyword?: string,
): DingtalkBody {
  const outline = outlineOf(content);
  const mention = outline.severity === 'critical' && outline.status === 'firing' ? atMobiles : [];
  const head = [`### ${outline.title}`, ''];
  const lines: string[] = [];
  for (const section of outline.sections) {
    if (content.groups.length > 1 || section.items.length > 1) lines.push(`#### ${section.heading}`);
    for (const item of section.items) {
      lines.push(`- ${item.mark} **${item.title}** (${item.when})`);
      if (item.detail) lines.push(`  > ${item.detail.replace(/\n+/g, ' ')}`);
    }
  }
  if (outline.footer) lines.push('', `> ${outline.footer}`);
  const tail = mention.length > 0 ? ['', mention.map((mobile) => `@${mobile}`).join(' ')] : [];
  // Keyword-secured robots reject (310000) any message without one of their keywords.
  const needsKeyword = keyword !== undefined && keyword !== '' && !outline.title.includes(keyword);
  if (needsKeyword) tail.push('', keyword);
  const title = truncateTo(outline.title, 200, jsonBytes);
  const fixed = jsonBytes([...head, ...tail].join('\n')) + jsonBytes(title) + ENVELOPE_BYTES;
  const body = fitLines(lines, Math.min(budgetBytes, DINGTALK_MAX_BYTES) - fixed, {
    joiner: '\n',
    measure: jsonBytes,
    more: (omitted) => `- … ${omitted} more line${omitted === 1 ? '' : 's'} not shown (message size limit)`,
  });
  return {
    msgtype: 'markdown',
    markdown: { title, text: [...head, body, ...tail].join('\n') },
    at: { atMobiles: [...mention], isAtAll: false },
  };
}

const PERMANENT: Readonly<Record<number, string>> = {
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
        reason: `dingtalk: HTTP ${reply.status} (robot blocked?)`,
      };
    }
    return classifyByStatus(reply, now, 'dingtalk');
  }
  const errmsg = typeof body.errmsg === 'string' ? redact(body.errmsg) : '';
  const said = `dingtalk errcode ${errcode}${errmsg ? ` (${errmsg})` : ''}`;
  if (errcode === 0) return { outcome: 'sent' };
  if (errcode === -1) return { outcome: 'retry', afterMs: 30_000, reason: `${said}: busy` };
  if (errcode === 130101 || errcode === 410100 || /too fast|限流/i.test(errmsg)) {
    const wait = typeof body.wait === 'number' ? body.wait * 1000 : 0;
    return { outcome: 'retry', afterMs: Math.max(60_000, wait), reason: `${said}: throttled` };
  }
  if (errcode === 310000) {
    return {
      outcome: 'permanent',
      reason: `${said}: security check failed, cause: ${securityCause(errmsg)}`,
    };
  }
  const permanent = PERMANENT[errcode];
  if (permanent !== undefined) return { outcome: 'permanent', reason: `${said}: ${permanent}` };
  if (errcode === 460101 || errcode === 101002) return { outcome: 'too-large', reason: `${said}: too long` };
  if (errcode === 90030) {
    // Daily/monthly webhook quota: nothing gets through until it resets.
    return { outcome: 'retry', afterMs: 60 * 60_000, reason: `${said}: webhook quota reached` };
  }
  return { outcome: 'retry', afterMs: BACKOFF_BASE_MS, backoff: true, reason: `${said}: unknown code` };
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
