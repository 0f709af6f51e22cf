import type { Severity } from '../store/store.js';
import type { AlertLine, GroupSummary, MessageContent } from './channel.js';

/**
 * The channel-neutral shape every renderer starts from: a one-line title, one section per group
 * (heading + one item per alert) and an optional footer. Channels only differ in markup and limits.
 */
export interface Outline {
  readonly title: string;
  readonly severity: Severity;
  readonly status: 'firing' | 'resolved';
  readonly firing: number;
  readonly resolved: number;
  readonly sections: readonly OutlineSection[];
  readonly footer?: string;
}

export interface OutlineSection {
  readonly heading: string;
  readonly items: readonly OutlineItem[];
}

export interface OutlineItem {
  readonly mark: string;
  readonly title: string;
  /** e.g. `since 2026-01-01 10:02:03Z`. */
  readonly when: string;
  readonly detail: string;
}

export const SEVERITY_MARK: Readonly<Record<Severity, string>> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
};
export const RESOLVED_MARK = '✅';
const RANK: Readonly<Record<Severity, number>> = { critical: 3, warning: 2, info: 1 };
/** Longest detail text per alert, so one verbose alert cannot crowd out the others. */
const MAX_DETAIL_CHARS = 600;

/** `3 firing, 1 resolved` (either part omitted when zero). */
export function countPhrase(firing: number, resolved: number): string {
  const parts: string[] = [];
  if (firing > 0) parts.push(`${firing} firing`);
  if (resolved > 0) parts.push(`${resolved} resolved`);
  return parts.length > 0 ? parts.join(', ') : 'nothing pending';
}

/** `2026-01-01 10:02:03Z`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function highestSeverity(groups: readonly GroupSummary[]): Severity {
  let best: Severity = 'info';
  for (const group of groups) if (RANK[group.severity] > RANK[best]) best = group.severity;
  return best;
}

export function outlineOf(content: MessageContent): Outline {
  const groups = content.groups;
  const firing = groups.reduce((sum, group) => sum + group.firing.length, 0);
  const resolved = groups.reduce((sum, group) => sum + group.resolved.length, 0);
  const severity = highestSeverity(groups);
  const status = firing > 0 ? 'firing' : 'resolved';
  const sections = groups.map(sectionOf);
  const pending = content.pendingGroups ?? 0;
  const footer =
    pending > 0
      ? `${pending} more alert group${pending === 1 ? '' : 's'} pending for this channel: they follow in the next message.`
      : undefined;
  return {
    title: titleOf(groups, firing, resolved, severity),
    severity,
    status,
    firing,
    resolved,
    sections,
    ...(footer === undefined ? {} : { footer }),
  };
}

function titleOf(
  groups: readonly GroupSummary[],
  firing: number,
  resolved: number,
  severity: Severity,
): string {
  const only = groups.length === 1 ? groups[0] : undefined;
  if (only === undefined) {
    const mark = firing > 0 ? SEVERITY_MARK[severity] : RESOLVED_MARK;
    return `${mark} livewatch: ${groups.length} alert groups (${countPhrase(firing, resolved)})`;
  }
  const single =
    only.firing.length + only.resolved.length === 1 ? (only.firing[0] ?? only.resolved[0]) : undefined;
  const sev = only.severity.toUpperCase();
  if (single !== undefined) {
    if (single.status === 'resolved' && only.severity !== 'info')
      return `${RESOLVED_MARK} [RESOLVED] ${single.title}`;
    return `${SEVERITY_MARK[only.severity]} [${sev}] ${single.title}${only.repeat ? ' (still firing)' : ''}`;
  }
  const mark = only.firing.length > 0 ? SEVERITY_MARK[only.severity] : RESOLVED_MARK;
  const status = only.firing.length > 0 ? sev : 'RESOLVED';
  return `${mark} [${status}] ${countPhrase(only.firing.length, only.resolved.length)}: ${labelsPhrase(only)}${only.repeat ? ' (still firing)' : ''}`;
}

/** `relay cn-shanghai PullStreamFailed`. */
export function labelsPhrase(group: GroupSummary): string {
  return [group.labels.kind, group.labels.region, group.labels.reason].filter(Boolean).join(' ');
}

function sectionOf(group: GroupSummary): OutlineSection {
  const heading = `${SEVERITY_MARK[group.severity]} ${group.severity.toUpperCase()} · ${labelsPhrase(group)} — ${countPhrase(group.firing.length, group.resolved.length)}${group.repeat ? ' (still firing)' : ''}`;
  const items = [...group.firing, ...group.resolved].map((alert) => itemOf(alert, group.severity));
  return { heading, items };
}

function itemOf(alert: AlertLine, severity: Severity): OutlineItem {
  const resolved = alert.status === 'resolved' && severity !== 'info';
  const when = resolved
    ? `resolved ${formatTime(alert.endsAt ?? alert.startsAt)}`
    : severity === 'info'
      ? `at ${formatTime(alert.startsAt)}`
      : `since ${formatTime(alert.startsAt)}`;
  const detail =
    alert.text.length > MAX_DETAIL_CHARS ? `${alert.text.slice(0, MAX_DETAIL_CHARS)}…` : alert.text;
  return { mark: resolved ? RESOLVED_MARK : SEVERITY_MARK[severity], title: alert.title, when, detail };
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

/**
 * Joins whole lines until `budget` (per `measure`) would be exceeded, then ends with `more(n)` for the
 * n lines left out, so a cut message always says what it omitted.
 */
export function fitLines(
  lines: readonly string[],
  budget: number,
  options: { joiner: string; measure: (text: string) => number; more: (omitted: number) => string },
): string {
  const { joiner, measure, more } = options;
  const all = lines.join(joiner);
  if (measure(all) <= budget) return all;
  const joinCost = measure(joiner);
  // Reserve room for the "omitted" line (its count has at most as many digits as lines.length).
  const reserve = measure(more(lines.length)) + joinCost;
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = measure(line) + (kept.length > 0 ? joinCost : 0);
    if (used + cost + reserve > budget) break;
    kept.push(line);
    used += cost;
  }
  if (kept.length === 0 && lines[0] !== undefined) {
    // Not even one line fits whole: keep a cut first line so the message is never empty.
    if (lines.length === 1) return truncateTo(lines[0], budget, measure);
    kept.push(truncateTo(lines[0], Math.max(0, budget - reserve), measure));
    return [...kept, more(lines.length - 1)].join(joiner);
  }
  return [...kept, more(lines.length - kept.length)].join(joiner);
}
