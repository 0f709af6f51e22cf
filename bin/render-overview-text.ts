import { redact } from '../lib/redact.js';
import { formatDuration, formatTime, type TimeSettings } from '../lib/status/format-time.js';
import { renderColumns } from './render-columns.js';
import type { OverviewData } from './status-view-schemas.js';

/**
 * The status page's overview as text (`livewatch status --url`): heartbeat, outbox, counts, what
 * needs a person first, breakers that are not closed, silences. Redacted once, whole.
 */
export function renderOverviewText(view: OverviewData, time: TimeSettings): string {
  const { now } = view;
  const hb = view.heartbeat;
  const lines = [
    `livewatch ${view.version} as of ${formatTime(now, time)}`,
    `heartbeat: ${hb.ageS === undefined ? 'no sweep recorded' : `last sweep ${formatDuration(hb.ageS * 1000)} ago`}${hb.stale ? '  (STALE)' : ''}${hb.lastError ? `; last error: ${hb.lastError}` : ''}`,
    `outbox: ${view.outbox.pending} pending, ${view.outbox.sent} sent, ${view.outbox.dead} dead`,
    `tasks: ${view.total}; ${Object.entries(view.byKindState)
      .map(
        ([kind, states]) =>
          `${kind} ${Object.entries(states)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ')}`,
      )
      .join('; ')}`,
    '',
  ];
  if (view.attention.length === 0) lines.push('needing attention: none');
  else {
    lines.push(`needing attention (${view.attentionTotal}, people first):`);
    const rows = [['TASK', 'NAME', 'REGION', 'STATE', 'FOR', 'HOST', 'RESTARTS', 'NEEDS PERSON']];
    for (const row of view.attention) {
      rows.push([
        row.id,
        row.name ?? '',
        row.region,
        row.state,
        formatDuration(now - row.since),
        row.hosts.join(','),
        row.kind === 'relay' ? `${row.restartsUsed}/${row.restartBudget}` : '',
        row.needsPerson ? 'YES' : '',
      ]);
    }
    lines.push(renderColumns(rows));
  }
  lines.push('');
  const breakers = view.breakers.filter((b) => b.state !== 'closed');
  if (breakers.length === 0) lines.push('breakers: all closed');
  else {
    const rows = [['BREAKER', 'STATE', 'FAILURES', 'OPENED']];
    for (const b of breakers)
      rows.push([b.key, b.state, String(b.failuresInWindow), b.openedAt ? formatTime(b.openedAt, time) : '']);
    lines.push(renderColumns(rows));
  }
  for (const s of view.silences) {
    lines.push(
      `silence ${s.id}${s.active ? '' : ' (upcoming)'} until ${formatTime(s.endsAt, time)} by ${s.createdBy}: ${s.comment}`,
    );
  }
  return redact(lines.join('\n'));
}
