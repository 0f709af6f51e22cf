import type { Channel, MessageContent, SendOutcome } from '../channel.js';
import { classifyByStatus } from '../classify-http.js';
import { escapeLinkUrl, escapeMrkdwn } from '../escape-text.js';
import type { HttpReply } from '../post-body.js';
import {
  type Entry,
  fitOutline,
  moreAlerts,
  type Outline,
  outlineOf,
  shouldMention,
  truncateTo,
} from '../render-outline.js';
import type { Mentions } from '../routing-file.js';
import { createHttpChannel, type HttpChannelOptions } from './create-http-channel.js';

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

/** `url`: `https://hooks.slack.com/services/T…/B…/…` (a credential). */
export interface SlackChannelOptions extends HttpChannelOptions {
  /**
   * `users`: `here`, `channel`, `subteam^S0123` (a user group) or a user id `U0123`, rendered as
   * `<!here>`, `<!subteam^S0123>`, `<@U0123>` (https://api.slack.com/reference/surfaces/formatting).
   */
  readonly mentions?: Mentions | undefined;
}

/** Slack incoming webhook: text fallback + Block Kit, 1 message/s, 429 honours Retry-After. */
export function createSlackChannel(options: SlackChannelOptions): Channel {
  return createHttpChannel(options, {
    type: 'slack',
    limits: [{ limit: 1, windowMs: 1_000 }],
    maxBytes: SLACK_MAX_CHARS,
    render: (content, budget) => renderSlack(content, budget, options.mentions),
    classify: classifySlackReply,
  });
}

function slackMention(who: string): string {
  if (who === 'here' || who === 'channel' || who === 'everyone') return `<!${who}>`;
  if (who.startsWith('subteam^')) return `<!${who}>`;
  return `<@${who}>`;
}

const chars = (text: string): number => text.length;

function slackEntries(outline: Outline, withDetails: boolean): Entry[] {
  const entries: Entry[] = [];
  for (const section of outline.sections) {
    entries.push({ text: `*${escapeMrkdwn(section.heading)}*`, alerts: 0 });
    for (const item of section.items) {
      const links = item.links.map((link) => `<${escapeLinkUrl(link.url)}|${link.label}>`).join(' · ');
      const detail = withDetails && item.detail ? ` ${escapeMrkdwn(item.detail)}` : '';
      const extra = detail || links ? `\n      ${detail.trim()}${links ? ` ${links}` : ''}` : '';
      const line = `${item.mark} *${escapeMrkdwn(item.title)}* (${item.when})${extra}`;
      entries.push({ text: truncateTo(line, SECTION_MAX, chars), alerts: 1 });
    }
  }
  if (outline.footer) entries.push({ text: `_${escapeMrkdwn(outline.footer)}_`, alerts: 0 });
  return entries;
}

/**
 * header (plain_text ≤150 chars) + sections (mrkdwn ≤3000 chars each, ≤50 blocks), whole text under
 * SLACK_MAX_CHARS; whatever does not fit is counted in a last line. The top-level `text` (the
 * notification fallback) is mrkdwn too, so it is escaped like the sections.
 */
export function renderSlack(content: MessageContent, budget: number, mentions: Mentions = {}): SlackBody {
  const outline = outlineOf(content);
  const who = shouldMention(content, mentions.on) ? (mentions.users ?? []) : [];
  const mention = who.map(slackMention).join(' ');
  const header = truncateTo(outline.title, HEADER_MAX, chars);
  const fitted = fitOutline(
    (withDetails) => slackEntries(outline, withDetails),
    Math.min(budget, SLACK_MAX_CHARS) - header.length - mention.length,
    {
      joiner: '\n',
      measure: chars,
      more: (n) => `_${moreAlerts(outline.language)(n)}_`,
    },
  );
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: header } }];
  let current = mention;
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
  const text = truncateTo(
    `${mention ? `${mention} ` : ''}${escapeMrkdwn(outline.title)}`,
    SECTION_MAX,
    chars,
  );
  return { text, blocks };
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
