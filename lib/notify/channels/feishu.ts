import type { Clock } from '../../clock.js';
import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { BACKOFF_BASE_MS, classifyByStatus } from '../classify-http.js';
import { postAndClassify } from '../post-and-classify.js';
import { type HttpReply, parseJsonObject } from '../post-body.js';
import { rateKeyOf } from '../rate-key.js';
import { fitLines, jsonBytes, outlineOf, truncateTo } from '../render-outline.js';
import { signFeishu } from '../sign-feishu.js';

/** Sources disagree (20 KB, 30 KB, ~150 KiB); the smallest is assumed. */
export const FEISHU_MAX_BYTES = 20_000;
/** JSON keys and escapes around the paragraphs: each paragraph adds `[{"tag":"text","text":""}],`. */
const PARAGRAPH_OVERHEAD = 30;

type FeishuParagraph = ReadonlyArray<{ readonly tag: 'text'; readonly text: string }>;

export interface FeishuBody {
  readonly msg_type: 'post';
  readonly content: {
    readonly post: {
      readonly zh_cn: { readonly title: string; readonly content: readonly FeishuParagraph[] };
    };
  };
}

export interface FeishuChannelOptions {
  /** `https://open.feishu.cn/open-apis/bot/v2/hook/<token>` (a credential). */
  readonly url: string;
  readonly secret?: string | undefined;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** Feishu/Lark custom bot: rich-text posts, signed in the body, ≤ 4/s and ≤ 90/min (limits 5/s, 100/min). */
export function createFeishuChannel(options: FeishuChannelOptions): Channel {
  return {
    name: 'feishu',
    rateKey: rateKeyOf('feishu', options.url),
    limits: [
      { limit: 4, windowMs: 1_000 },
      { limit: 90, windowMs: 60_000 },
    ],
    maxBytes: FEISHU_MAX_BYTES,
    render: (content, budget) => renderFeishu(content, budget),
    async send(body, context) {
      const now = options.clock.now();
      let signed = body;
      if (options.secret && typeof body === 'object' && body !== null) {
        const timestamp = Math.floor(now / 1000);
        // Added here, not at render time: the outbox never holds a signature.
        signed = { timestamp: String(timestamp), sign: signFeishu(options.secret, timestamp), ...body };
      }
      return postAndClassify(
        'feishu',
        options.url,
        JSON.stringify(signed),
        { timeoutMs: options.timeoutMs ?? 10_000, signal: context.signal },
        (reply) => classifyFeishuReply(reply, now),
      );
    },
  };
}

export function renderFeishu(content: MessageContent, budget: number): FeishuBody {
  const outline = outlineOf(content);
  const lines: string[] = [];
  for (const section of outline.sections) {
    if (content.groups.length > 1 || section.items.length > 1) lines.push(section.heading);
    for (const item of section.items) {
      lines.push(`${item.mark} ${item.title} (${item.when})`);
      if (item.detail) lines.push(`    ${item.detail.replace(/\n+/g, ' ')}`);
    }
  }
  if (outline.footer) lines.push(outline.footer);
  const title = truncateTo(outline.title, 300, jsonBytes);
  const measure = (text: string): number =>
    text.split('\n').reduce((sum, line) => sum + jsonBytes(line) + PARAGRAPH_OVERHEAD, 0);
  const fitted = fitLines(lines, Math.min(budget, FEISHU_MAX_BYTES) - jsonBytes(title) - 200, {
    joiner: '\n',
    measure,
    more: (n) => `… ${n} more line${n === 1 ? '' : 's'} not shown (message size limit)`,
  });
  return {
    msg_type: 'post',
    content: {
      post: { zh_cn: { title, content: fitted.split('\n').map((text) => [{ tag: 'text', text }]) } },
    },
  };
}

const PERMANENT: Readonly<Record<number, string>> = {
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
  const said = `feishu code ${code}${msg ? ` (${msg.slice(0, 200)})` : ''}`;
  if (code === 0) return { outcome: 'sent' };
  if (code === 11232) return { outcome: 'retry', afterMs: 60_000, reason: `${said}: flow control` };
  const permanent = PERMANENT[code];
  if (permanent !== undefined) return { outcome: 'permanent', reason: `${said}: ${permanent}` };
  if (code === 19036) return { outcome: 'too-large', reason: `${said}: message too large` };
  return { outcome: 'retry', afterMs: BACKOFF_BASE_MS, backoff: true, reason: `${said}: unknown code` };
}
