import type { MessageContent } from './channel.js';
import { escapeLinkUrl, escapeMarkdown } from './escape-text.js';
import type { Entry, Outline, OutlineItem, OutlineLink } from './render-outline.js';

function markdownLinks(links: readonly OutlineLink[]): string {
  return links.map((link) => `[${link.label}](${escapeLinkUrl(link.url)})`).join(' · ');
}

/** Markdown entries shared by DingTalk and WeCom (outside text escaped, links added by us). */
export function markdownEntries(
  content: MessageContent,
  outline: Outline,
  withDetails: boolean,
  style: { heading: (text: string) => string; item: (item: OutlineItem) => string },
): Entry[] {
  const entries: Entry[] = [];
  for (const section of outline.sections) {
    if (content.groups.length > 1 || section.items.length > 1)
      entries.push({ text: style.heading(escapeMarkdown(section.heading)), alerts: 0 });
    for (const item of section.items) {
      const lines = [style.item(item)];
      const links = markdownLinks(item.links);
      if (withDetails && item.detail)
        lines.push(`  > ${escapeMarkdown(item.detail)}${links ? ` ${links}` : ''}`);
      else if (links) lines.push(`  > ${links}`);
      entries.push({ text: lines.join('\n'), alerts: 1 });
    }
  }
  if (outline.footer) entries.push({ text: `\n> ${outline.footer}`, alerts: 0 });
  return entries;
}
