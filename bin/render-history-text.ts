import { redact } from '../lib/redact.js';
import { formatDuration, formatTime, type TimeSettings } from '../lib/status/format-time.js';
import type { TaskViewData } from './status-view-schemas.js';

/**
 * `livewatch history <taskId>` as a person reads it: the task's state, budget and uptime, its
 * lineage, then the timeline newest first (times in LIVEWATCH_TIME_ZONE). Redacted once, whole.
 */
export function renderHistoryText(view: TaskViewData, time: TimeSettings, limit: number): string {
  const { row, now } = view;
  const lines = [
    `${row.kind} ${row.id}${row.name ? ` (${row.name})` : ''} in ${row.region}`,
    `state: ${row.state}${row.reason ? ` (${row.reason})` : ''} since ${formatTime(row.since, time)} (${formatDuration(now - row.since)})`,
  ];
  if (row.hosts.length > 0) lines.push(`source host: ${row.hosts.join(', ')}`);
  if (row.kind === 'relay') lines.push(`restarts: ${row.restartsUsed} of ${row.restartBudget} in the window`);
  if (row.needsPerson)
    lines.push(`NEEDS A PERSON${view.escalatedAt ? ` since ${formatTime(view.escalatedAt, time)}` : ''}`);
  if (row.nextCheckAt !== undefined) lines.push(`next re-check: ${formatTime(row.nextCheckAt, time)}`);
  const uptime = (u: TaskViewData['uptime']['day']) =>
    u.ratio === undefined
      ? 'not enough history'
      : `${(u.ratio * 100).toFixed(2)} %${u.knownMs < u.windowMs * 0.99 ? ` (history covers ${formatDuration(u.knownMs)})` : ''}`;
  lines.push(`uptime: 24 h ${uptime(view.uptime.day)}; 7 d ${uptime(view.uptime.week)}`);
  if (view.lineage.length > 0) lines.push(`lineage: ${[...view.lineage, row.id].join(' → ')}`);
  lines.push('');
  const shown = view.timeline.slice(0, limit);
  if (shown.length === 0) lines.push('no history recorded');
  for (const entry of shown) {
    const who = [entry.source, entry.actor].filter(Boolean).join(', ');
    lines.push(
      `${formatTime(entry.at, time)}  ${entry.category.padEnd(12)} ${entry.message}${who ? `  [${who}]` : ''}`,
    );
  }
  if (view.timeline.length > shown.length)
    lines.push(`… ${view.timeline.length - shown.length} older entries (--limit N)`);
  return redact(lines.join('\n'));
}
