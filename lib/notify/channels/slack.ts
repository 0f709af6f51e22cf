import type { Clock } from '../../clock.js';
import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { classifyByStatus } from '../classify-http.js';
import { postAndClassify } from '../post-and-classify.js';
import type { HttpReply } from '../post-body.js';
import { rateKeyOf } from '../rate-key.js';
import { fitLines, outlineOf, truncateTo } from '../render-outline.js';

/**
 * Total text budget. Slack rejects with `msg_blocks_too_long` around 12–13k characters even when every
 * block is within its own limit (slackapi/bolt-js#2509), so stay below that.
 */
export const SLACK_MAX_CHARS = 11_000;
const HEADER_MAX = 150;
const SECTION_MAX = 3_000;
const MAX_BLOCKS = 50;

type SlackBlock =
  | { readonly type: 'header'; readonly text: { readonly type: 'plain_text'; readonly text: string } }
  | { readonly type: 'section'; readonly text: { readonly type: 'mrkdwn'; readonly text: string } };

export interface SlackBody {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export interface SlackChannelOptions {
  /** `https://hooks.slack.com/services/T…/B…/…` (a credential). */
  readonly url: string;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** Slack incoming webhook: text fallback + Block Kit, 1 message/s, 429 honours Retry-After. */
export function createSlackChannel(options: SlackChannelOptions): Channel {
  return {
    name: 'slack',
    rateKey: rateKeyOf('slack', options.url),
    limits: [{ limit: 1, windowMs: 1_000 }],
    maxBytes: SLACK_MAX_CHARS,
    render: (content, budget) => renderSlack(content, budget),
    async send(body, context) {
      return postAndClassify(
        'slack',
        options.url,
        JSON.stringify(body),
        { timeoutMs: options.timeoutMs ?? 10_000, signal: context.signal },
        (reply) => classifySlackReply(reply, options.clock.now()),
      );
    },
  };
}

/** Slack's mrkdwn treats &, < and > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const chars = (text: string): number => text.length;

/**
 * header (≤150 chars) + sections (≤3000 chars each, ≤50 blocks), whole text under SLACK_MAX_CHARS;
 * whatever does not fit is counted in a last line.
 */
export function renderSlack(content: MessageContent, budget: number): SlackBody {
  const outline = outlineOf(content);
  const lines: string[] = [];
  for (const section of outline.sections) {
    lines.push(`*${escapeMrkdwn(section.heading)}*`);
    for (const item of section.items) {
      const detail = item.detail ? `\n      ${escapeMrkdwn(item.detail.replace(/\n+/g, ' '))}` : '';
      lines.push(`${item.mark} *${escapeMrkdwn(item.title)}* (${item.when})${detail}`);
    }
  }
  if (outline.footer) lines.push(`_${escapeMrkdwn(outline.footer)}_`);
  const header = truncateTo(outline.title, HEADER_MAX, chars);
  const fitted = fitLines(
    lines.map((line) => truncateTo(line, SECTION_MAX, chars)),
    Math.min(budget, SLACK_MAX_CHARS) - header.length,
    {
      joiner: '\n',
      measure: chars,
      more: (n) => `_… ${n} more line${n === 1 ? '' : 's'} not shown (message size limit)_`,
    },
  );
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: header } }];
  let current = '';
  for (const line of fitted.split('\n')) {
    if (current && current.length + 1 + line.length > SECTION_MAX) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  if (blocks.length > MAX_BLOCKS) {
    // Each section already holds up to 3000 chars and the total is capped, so this is a safety net.
    blocks.splice(MAX_BLOCKS - 1, blocks.length, section('_… more not shown (block limit)_'));
  }
  return { text: truncateTo(outline.title, SECTION_MAX, chars), blocks };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** 200 `ok` → sent; 429 → Retry-After; 5xx/network → backoff; other 4xx → permanent. */
export function classifySlackReply(reply: HttpReply, now: number): SendOutcome {
  const text = reply.text.trim();
  if (reply.status === 200 && text === 'ok') return { outcome: 'sent' };
  if (reply.status >= 400 && reply.status < 500 && /too_long/.test(text)) {
    return { outcome: 'too-large', reason: `slack: HTTP ${reply.status} ${text.slice(0, 100)}` };
  }
  return classifyByStatus(reply, now, 'slack');
}
