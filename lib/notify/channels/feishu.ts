import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { classifyByStatus, classifyVendorCode } from '../classify-http.js';
import { escapeFeishuText } from '../escape-text.js';
import { type HttpReply, parseJsonObject } from '../post-body.js';
import {
  type Entry,
  fitOutline,
  jsonBytes,
  moreAlerts,
  type Outline,
  outlineOf,
  shouldMention,
  truncateTo,
  utf8Bytes,
} from '../render-outline.js';
import type { Mentions } from '../routing-file.js';
import { signFeishu } from '../sign-feishu.js';
import { createHttpChannel, type HttpChannelOptions } from './create-http-channel.js';

/** Sources disagree (20 KB, 30 KB, ~150 KiB); the smallest is assumed. */
export const FEISHU_MAX_BYTES = 20_000;

type FeishuElement =
  | { readonly tag: 'text'; readonly text: string }
  | { readonly tag: 'a'; readonly text: string; readonly href: string }
  | { readonly tag: 'at'; readonly user_id: string };
type FeishuParagraph = readonly FeishuElement[];

export interface FeishuBody {
  readonly msg_type: 'post';
  readonly content: {
    readonly post: {
      readonly zh_cn: { readonly title: string; readonly content: readonly FeishuParagraph[] };
    };
  };
}

/** `url`: `https://open.feishu.cn/open-apis/bot/v2/hook/<token>` (a credential). */
export interface FeishuChannelOptions extends HttpChannelOptions {
  readonly secret?: string | undefined;
  /** `userIds` (open ids, `ou_…`) as `at` elements, `all` as everyone. */
  readonly mentions?: Mentions | undefined;
}

/** Feishu/Lark custom bot: rich-text posts, signed in the body, ≤ 4/s and ≤ 90/min (limits 5/s, 100/min). */
export function createFeishuChannel(options: FeishuChannelOptions): Channel {
  return createHttpChannel(options, {
    type: 'feishu',
    limits: [
      { limit: 4, windowMs: 1_000 },
      { limit: 90, windowMs: 60_000 },
    ],
    maxBytes: FEISHU_MAX_BYTES,
    render: (content, budget) => renderFeishu(content, budget, options.mentions),
    prepare(body, now) {
      if (!options.secret || typeof body !== 'object' || body === null) return { text: JSON.stringify(body) };
      const timestamp = Math.floor(now / 1000);
      const sign = signFeishu(options.secret, timestamp);
      return { text: JSON.stringify({ timestamp: String(timestamp), sign, ...body }) };
    },
    classify: classifyFeishuReply,
  });
}

const text = (value: string): FeishuElement => ({ tag: 'text', text: value });

/** Each entry is one or more paragraphs, serialised so the generic fitter can measure them. */
function feishuEntries(outline: Outline, content: MessageContent, withDetails: boolean): Entry[] {
  const entries: Entry[] = [];
  const entry = (paragraphs: FeishuParagraph[], alerts: number) =>
    entries.push({ text: paragraphs.map((p) => JSON.stringify(p)).join(','), alerts });
  for (const section of outline.sections) {
    if (content.groups.length > 1 || section.items.length > 1)
      entry([[text(escapeFeishuText(section.heading))]], 0);
    for (const item of section.items) {
      const links: FeishuElement[] = item.links.flatMap((link) => [
        text(' '),
        { tag: 'a', text: link.label, href: link.url },
      ]);
      const paragraphs: FeishuParagraph[] = [
        [text(`${item.mark} ${escapeFeishuText(item.title)} (${item.when})`), ...links],
      ];
      if (withDetails && item.detail) paragraphs.push([text(`    ${escapeFeishuText(item.detail)}`)]);
      entry(paragraphs, 1);
    }
  }
  if (outline.footer) entry([[text(outline.footer)]], 0);
  return entries;
}

export function renderFeishu(content: MessageContent, budget: number, mentions: Mentions = {}): FeishuBody {
  const outline = outlineOf(content);
  const title = truncateTo(outline.title, 300, jsonBytes);
  const mention = shouldMention(content, mentions.on);
  const ats: FeishuElement[] = mention
    ? [...(mentions.userIds ?? []), ...(mentions.all ? ['all'] : [])].map((id) => ({
        tag: 'at',
        user_id: id,
      }))
    : [];
  const fitted = fitOutline(
    (withDetails) => feishuEntries(outline, content, withDetails),
    Math.min(budget, FEISHU_MAX_BYTES) - jsonBytes(title) - 300 - utf8Bytes(JSON.stringify(ats)),
    {
      joiner: ',',
      measure: utf8Bytes,
      more: (n) => JSON.stringify([text(moreAlerts(outline.language)(n))]),
    },
  );
  const paragraphs = parseParagraphs(fitted);
  if (ats.length > 0) paragraphs.push(ats);
  return { msg_type: 'post', content: { post: { zh_cn: { title, content: paragraphs } } } };
}

function parseParagraphs(fitted: string): FeishuParagraph[] {
  try {
    return JSON.parse(`[${fitted}]`) as FeishuParagraph[];
  } catch {
    // Only if one entry alone exceeded the budget and was cut mid-JSON: say so rather than send junk.
    return [[text('(message too large to show; see livewatch status)')]];
  }
}

/** Feishu's custom-bot codes (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot). */
const PERMANENT: Readonly<Record<number, string>> = {
  19001: 'webhook token invalid (bad or removed URL)',
  19002: 'bad request parameters (msg_type/content)',
  19007: 'bot not enabled or not in the chat',
  19021: 'sign mismatch or timestamp not within one hour (check the secret and the clock)',
  19022: 'IP not allowed',
  19024: 'keyword mismatch',
  9499: 'bad request',
};

/** Decided from the body `code` (0 = sent); HTTP status only when there is no code. */
export function classifyFeishuReply(reply: HttpReply, now: number): SendOutcome {
  const body = parseJsonObject(reply.text);
  const code = typeof body?.code === 'number' ? body.code : body?.StatusCode;
  if (typeof code !== 'number') return classifyByStatus(reply, now, 'feishu');
  const msg =
    typeof body?.msg === 'string'
      ? body.msg
      : typeof body?.StatusMessage === 'string'
        ? body.StatusMessage
        : '';
  return classifyVendorCode(code, `feishu code ${code}${msg ? ` (${msg.slice(0, 200)})` : ''}`, {
    retry: { 11232: { afterMs: 60_000, throttled: true, reason: 'flow control' } },
    permanent: PERMANENT,
    tooLarge: { 19036: 'message too large' },
  });
}
