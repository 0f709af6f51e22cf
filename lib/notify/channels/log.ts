import type { Logger } from '../../log.js';
import type { Channel, MessageContent } from '../channel.js';
import { type Entry, fitEntries, moreAlerts, outlineOf, utf8Bytes } from '../render-outline.js';

export interface LogBody {
  readonly title: string;
  readonly text: string;
}

/**
 * The channel used when no chat channel is configured (local runs): one log line per message, so
 * notices are still grouped, recorded in the outbox and visible. Never fails, never paced.
 */
export function createLogChannel(log: Logger): Channel {
  return {
    name: 'log',
    type: 'log',
    rateKey: 'notify:log',
    limits: [],
    maxBytes: 8_000,
    render: (content, budget) => renderLog(content, budget),
    send(body) {
      if (!isLogBody(body)) {
        return Promise.resolve({ outcome: 'permanent', reason: 'log: not a rendered log message' });
      }
      log.info('notification', { channel: 'log', title: body.title, text: body.text });
      return Promise.resolve({ outcome: 'sent' });
    },
  };
}

function renderLog(content: MessageContent, budget: number): LogBody {
  const outline = outlineOf(content);
  const entries: Entry[] = [];
  for (const section of outline.sections) {
    if (content.groups.length > 1 || section.items.length > 1)
      entries.push({ text: section.heading, alerts: 0 });
    for (const item of section.items) {
      const links = item.links.map((link) => ` ${link.label}: ${link.url}`).join('');
      entries.push({
        text: `${item.mark} ${item.title} (${item.when})${item.detail ? ` — ${item.detail}` : ''}${links}`,
        alerts: 1,
      });
    }
  }
  if (outline.footer) entries.push({ text: outline.footer, alerts: 0 });
  const text = fitEntries(entries, Math.min(budget, 8_000), {
    joiner: '\n',
    measure: utf8Bytes,
    more: moreAlerts(outline.language),
  }).text;
  return { title: outline.title, text };
}

function isLogBody(value: unknown): value is LogBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    'title' in value &&
    typeof value.title === 'string' &&
    'text' in value &&
    typeof value.text === 'string'
  );
}
