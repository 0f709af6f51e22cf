import type { Severity } from '../store/store.js';
import type { AlertLine, GroupSummary, MessageContent } from './channel.js';
import { type Language, phrasesOf } from './phrases.js';

/**
 * The channel-neutral shape every renderer starts from: a one-line title, one section per group
 * (heading + one item per alert) and an optional footer, in the message's language and time zone.
 * Channels only differ in markup, escaping and limits. Texts here are NOT escaped: each channel
 * escapes for its own markup (docs/notify.md "Escaping").
 */
export interface Outline {
  readonly title: string;
  readonly severity: Severity;
  /** `info` when the message carries only one-shot notices (they neither fire nor resolve). */
  readonly status: 'firing' | 'resolved' | 'info';
  readonly firing: number;
  readonly resolved: number;
  readonly sections: readonly OutlineSection[];
  readonly footer?: string;
  readonly language: Language;
}

export interface OutlineSection {
  readonly heading: string;
  readonly items: readonly OutlineItem[];
}

export interface OutlineLink {
  readonly label: string;
  readonly url: string;
}

export interface OutlineItem {
  readonly mark: string;
  readonly title: string;
  /** e.g. `since 2026-01-01 18:02:03 UTC+8`. */
  readonly when: string;
  readonly detail: string;
  readonly links: readonly OutlineLink[];
}

const SEVERITY_MARK: Readonly<Record<Severity, string>> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
};
const RESOLVED_MARK = '✅';
const RANK: Readonly<Record<Severity, number>> = { critical: 3, warning: 2, info: 1 };
/** Longest detail text per alert, so one verbose alert cannot crowd out the others. */
const MAX_DETAIL_CHARS = 600;

/** `3 firing, 1 resolved` (either part omitted when zero); info groups count `notices`. */
export function countPhrase(firing: number, resolved: number, language: Language = 'en'): string {
  return phrasesOf(language).counts(firing, resolved, 0);
}

/** `2026-01-01 18:02:03 UTC+8` in the given IANA time zone. */
export function formatTime(ms: number, timeZone = 'UTC'): string {
  const parts = formatterOf(timeZone).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  const zone = part('timeZoneName')
    .replace(/^GMT/, 'UTC')
    .replace(/^UTC[+-]0$/, 'UTC');
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${zone}`;
}

/** Formatters are costly to build; one per time zone is kept (a handful at most). */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  const cached = FORMATTERS.get(timeZone);
  if (cached) return cached;
  const formatter = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  });
  FORMATTERS.set(timeZone, formatter);
  return formatter;
}

function highestSeverity(groups: readonly GroupSummary[]): Severity {
  let best: Severity = 'info';
  for (const group of groups) if (RANK[group.severity] > RANK[best]) best = group.severity;
  return best;
}

/**
 * Whether a message may @-mention people: only when a group of one of the mentioning severities has
 * alerts firing for the first time — never for a repeat, a resolved message or a partial recovery.
 * The severities are the route's `mentionOn`, else the receiver's own `on` (`receiverOn`), else
 * critical only.
 */
export function shouldMention(content: MessageContent, receiverOn: readonly Severity[] | undefined): boolean {
  const severities = content.mentionOn ?? receiverOn ?? ['critical'];
  return content.groups.some(
    (group) =>
      severities.includes(group.severity) &&
      group.severity !== 'info' &&
      group.firing.length > 0 &&
      group.resolved.length === 0 &&
      !group.repeat &&
      (group.fresh ?? group.firing.length) > 0,
  );
}

export function outlineOf(content: MessageContent): Outline {
  const language = content.language ?? 'en';
  const timeZone = content.timeZone ?? 'UTC';
  const groups = content.groups;
  const count = (pick: (group: GroupSummary) => number, info: boolean) =>
    groups.filter((group) => (group.severity === 'info') === info).reduce((sum, g) => sum + pick(g), 0);
  const firing = count((g) => g.firing.length, false);
  const resolved = count((g) => g.resolved.length, false);
  const notices = count((g) => g.firing.length + g.resolved.length, true);
  const severity = highestSeverity(groups);
  const status = firing > 0 ? 'firing' : resolved > 0 ? 'resolved' : 'info';
  const p = phrasesOf(language);
  const sections = groups.map((group) => sectionOf(group, language, timeZone));
  const pending = content.pendingGroups ?? 0;
  const footer = pending > 0 ? p.pending(pending) : undefined;
  return {
    title: titleOf(groups, { firing, resolved, notices }, severity, language),
    severity,
    status,
    firing,
    resolved,
    sections,
    language,
    ...(footer === undefined ? {} : { footer }),
  };
}

function titleOf(
  groups: readonly GroupSummary[],
  counts: { firing: number; resolved: number; notices: number },
  severity: Severity,
  language: Language,
): string {
  const p = phrasesOf(language);
  const only = groups.length === 1 ? groups[0] : undefined;
  if (only === undefined) {
    const mark = counts.firing > 0 || counts.notices > 0 ? SEVERITY_MARK[severity] : RESOLVED_MARK;
    return `${mark} livewatch: ${p.groups(groups.length, p.counts(counts.firing, counts.resolved, counts.notices))}`;
  }
  const info = only.severity === 'info';
  const repeat = only.repeat ? p.stillFiring : '';
  const alerts = [...only.firing, ...only.resolved];
  const single = alerts.length === 1 ? alerts[0] : undefined;
  if (single !== undefined) {
    if (single.status === 'resolved' && !info)
      return `${RESOLVED_MARK} [${p.resolvedLabel}] ${titleIn(single, language)}`;
    return `${SEVERITY_MARK[only.severity]} [${p.severity[only.severity]}] ${titleIn(single, language)}${repeat}`;
  }
  const firing = info || only.firing.length > 0;
  const mark = firing ? SEVERITY_MARK[only.severity] : RESOLVED_MARK;
  const label = firing ? p.severity[only.severity] : p.resolvedLabel;
  const phrase = info ? p.counts(0, 0, alerts.length) : p.counts(only.firing.length, only.resolved.length, 0);
  return `${mark} [${label}] ${phrase}: ${labelsPhrase(only)}${repeat}`;
}

/** `relay cn-shanghai PullStreamFailed`. */
function labelsPhrase(group: GroupSummary): string {
  return [group.labels.kind, group.labels.region, group.labels.reason].filter(Boolean).join(' ');
}

/** The alert's wording in `language` (the English wording when no translation was given). */
function titleIn(alert: AlertLine, language: Language): string {
  return language === 'zh-CN' && alert.zh ? alert.zh.title : alert.title;
}

function textIn(alert: AlertLine, language: Language): string {
  return language === 'zh-CN' && alert.zh ? alert.zh.text : alert.text;
}

function sectionOf(group: GroupSummary, language: Language, timeZone: string): OutlineSection {
  const p = phrasesOf(language);
  const info = group.severity === 'info';
  const counts = info
    ? p.counts(0, 0, group.firing.length + group.resolved.length)
    : p.counts(group.firing.length, group.resolved.length, 0);
  const heading = `${SEVERITY_MARK[group.severity]} ${p.severity[group.severity]} · ${labelsPhrase(group)} — ${counts}${group.repeat ? p.stillFiring : ''}`;
  const items = [...group.firing, ...group.resolved].map((alert) =>
    itemOf(alert, group.severity, language, timeZone),
  );
  return { heading, items };
}

function itemOf(alert: AlertLine, severity: Severity, language: Language, timeZone: string): OutlineItem {
  const p = phrasesOf(language);
  const resolved = alert.status === 'resolved' && severity !== 'info';
  const when = resolved
    ? p.resolvedAt(formatTime(alert.endsAt ?? alert.startsAt, timeZone))
    : severity === 'info'
      ? p.at(formatTime(alert.startsAt, timeZone))
      : p.since(formatTime(alert.startsAt, timeZone));
  // Cut on a code point boundary: half an emoji (a lone surrogate) is invalid in JSON bodies.
  const detail = truncateTo(textIn(alert, language), MAX_DETAIL_CHARS, (text) => text.length);
  const links = (alert.links ?? []).map((link) => ({ label: p.link[link.kind], url: link.url }));
  return {
    mark: resolved ? RESOLVED_MARK : SEVERITY_MARK[severity],
    title: titleIn(alert, language),
    when,
    detail,
    links,
  };
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes a string takes inside a JSON string literal (escapes counted, quotes not). */
export function jsonBytes(text: string): number {
  return utf8Bytes(JSON.stringify(text)) - 2;
}

/** Cuts `text` to at most `maxBytes` (measured by `measure`), on a code point boundary, adding `…`. */
export function truncateTo(
  text: string,
  maxBytes: number,
  measure: (text: string) => number = utf8Bytes,
): string {
  if (measure(text) <= maxBytes) return text;
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(`${chars.slice(0, mid).join('')}…`) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  return `${chars.slice(0, low).join('')}…`;
}

/** One rendered piece of a message: a heading (0 alerts) or one alert's lines (1 alert). */
export interface Entry {
  readonly text: string;
  readonly alerts: number;
}

export interface FitOptions {
  readonly joiner: string;
  readonly measure: (text: string) => number;
  /** The closing line for `omitted` alerts left out. */
  readonly more: (omitted: number) => string;
}

/**
 * Joins whole entries until `budget` (per `measure`) would be exceeded, then ends with `more(n)` for
 * the n ALERTS left out (headings are not counted), so a cut message always says what it omitted.
 */
export function fitEntries(
  entries: readonly Entry[],
  budget: number,
  options: FitOptions,
): { text: string; omitted: number } {
  const { joiner, measure, more } = options;
  const all = entries.map((entry) => entry.text).join(joiner);
  if (measure(all) <= budget) return { text: all, omitted: 0 };
  const total = entries.reduce((sum, entry) => sum + entry.alerts, 0);
  const joinCost = measure(joiner);
  // Reserve room for the "omitted" line (its count has at most as many digits as the total).
  const reserve = measure(more(Math.max(total, 1))) + joinCost;
  const kept: string[] = [];
  let used = 0;
  let shown = 0;
  for (const entry of entries) {
    const cost = measure(entry.text) + (kept.length > 0 ? joinCost : 0);
    if (used + cost + reserve > budget) break;
    kept.push(entry.text);
    used += cost;
    shown += entry.alerts;
  }
  if (kept.length === 0 && entries[0] !== undefined) {
    // Not even one entry fits whole: keep a cut first entry so the message is never empty.
    kept.push(truncateTo(entries[0].text, Math.max(0, budget - reserve), measure));
    shown += entries[0].alerts;
  }
  const omitted = total - shown;
  return { text: omitted > 0 ? [...kept, more(omitted)].join(joiner) : kept.join(joiner), omitted };
}

/**
 * Renders an outline's entries into `budget`: first with every alert's details; when that leaves
 * alerts out, again as a summary (one line per alert, no details), keeping whichever shows more
 * alerts — so 300 alerts in WeCom's 4 KB are listed, not 2 of them with long details.
 */
export function fitOutline(
  build: (withDetails: boolean) => readonly Entry[],
  budget: number,
  options: FitOptions,
): string {
  const full = fitEntries(build(true), budget, options);
  if (full.omitted === 0) return full.text;
  const summary = fitEntries(build(false), budget, options);
  return summary.omitted < full.omitted ? summary.text : full.text;
}

/** `… 3 more alerts not shown (message size limit)` in the outline's language. */
export function moreAlerts(language: Language): (omitted: number) => string {
  return phrasesOf(language).more;
}
