import { redact } from '../redact.js';
import type { Unsure } from '../remediate/unsure-of.js';
import type { TaskPage } from './list-tasks.js';
import { Html, html, type RenderContext, renderPage, stateBadge, timeCell } from './render-layout.js';
import { fill } from './status-strings.js';
import type { TaskRow } from './task-row.js';

export function taskHref(ctx: RenderContext, row: Pick<TaskRow, 'id'>): string {
  return `${ctx.base}/tasks/${encodeURIComponent(row.id)}`;
}

/** Why the snapshot may be out of date, in the page's language; the error text is data (redacted). */
export function unsureText(ctx: RenderContext, unsure: Unsure): string {
  return unsure.kind === 'restart-unknown'
    ? ctx.t.restartUnknown
    : fill(ctx.t.cannotVerify, { attempts: unsure.attempts, error: redact(unsure.lastError) });
}

/** The task table shared by the overview's attention list and the task list. */
export function renderTaskTable(ctx: RenderContext, rows: readonly TaskRow[]): Html {
  const { t } = ctx;
  return html`<div class="scroll"><table class="tasks"><thead><tr><th>${t.id}</th><th>${t.state}</th><th>${t.since}</th><th class="hide-sm">${t.region}</th><th>${t.host}</th><th>${t.restarts}</th><th class="hide-sm">${t.nextCheck}</th></tr></thead><tbody>${rows.map(
    (
      row,
    ) => html`<tr data-key="${row.key}"><td><a href="${taskHref(ctx, row)}">${row.name ?? row.id}</a>${row.name ? html`<br><span class="muted">${row.id}</span>` : ''}${row.kind === 'relay' ? '' : html` <span class="muted">(${row.kind})</span>`}</td>
<td>${stateBadge(row.state)}${row.reason ? html`<br><span class="muted">${row.reason}</span>` : ''}${row.needsPerson ? html`<br><span class="person">${t.needsPerson}</span>` : ''}${row.unsure ? html`<br><span class="unsure">${unsureText(ctx, row.unsure)}</span>` : ''}</td>
<td>${timeCell(ctx, row.since)}</td><td class="hide-sm">${row.region}</td><td>${row.hosts.join(', ')}</td>
<td>${row.kind === 'relay' ? `${row.restartsUsed} ${t.budget} ${row.restartBudget}` : ''}</td><td class="hide-sm">${timeCell(ctx, row.nextCheckAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

const STATES = [
  'running',
  'recovering',
  'offline',
  'idle',
  'exited',
  'started',
  'paused',
  'stopped',
  'not-started',
  'gone',
];

/** The task list with its filter form (a GET form: works without JavaScript, bookmarkable). */
export function renderTaskList(ctx: RenderContext, page: TaskPage, regions: readonly string[]): string {
  const { t } = ctx;
  const q = page.query;
  const option = (value: string, current: string | undefined, label = value) =>
    html`<option value="${value}"${current === value ? new Html(' selected') : ''}>${label}</option>`;
  const form = html`<form class="filters" method="get" action="${ctx.base}/tasks">
<label>${t.search}<input type="search" name="q" value="${q.q ?? ''}"></label>
<label>${t.state}<select name="state">${option('', q.state, t.any)}${option('attention', q.state, t.attention)}${option('needs-person', q.state, t.needsPerson)}${STATES.map((s) => option(s, q.state))}</select></label>
<label>${t.region}<select name="region">${option('', q.region, t.any)}${regions.map((r) => option(r, q.region))}</select></label>
<label>${t.kind}<select name="kind">${option('', q.kind, t.any)}${['relay', 'record', 'transcode'].map((k) => option(k, q.kind))}</select></label>
<label>${t.host}<input type="text" name="host" value="${q.host ?? ''}"></label>
<button type="submit">${t.apply}</button></form>`;
  const params = new URLSearchParams();
  for (const name of ['q', 'state', 'region', 'kind', 'host'] as const) {
    const value = q[name];
    if (value) params.set(name, value);
  }
  const first = `${ctx.base}/tasks${params.size > 0 ? `?${params}` : ''}`;
  if (page.next) params.set('after', page.next);
  const body = html`<h1>${t.tasks}</h1><section class="card">${form}</section>
<section class="card" id="task-list">${page.rows.length === 0 ? html`<p>${t.noTasks}</p>` : renderTaskTable(ctx, page.rows)}
${page.next && page.rows.length < q.limit ? html`<p class="muted">${fill(t.scannedNote, { scanned: page.scanned })}</p>` : ''}
<nav class="pager">${q.after ? html`<a href="${first}">${t.first}</a>` : ''}${page.next ? html`<a rel="next" href="${ctx.base}/tasks?${params}">${t.next}</a>` : ''}</nav></section>`;
  return renderPage(ctx, t.tasks, body, 30);
}
