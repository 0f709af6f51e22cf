import type { Uptime } from './compute-uptime.js';
import { formatDuration } from './format-time.js';
import type { TaskView } from './read-task-view.js';
import {
  fullTime,
  type Html,
  html,
  type RenderContext,
  renderPage,
  stateBadge,
  timeCell,
} from './render-layout.js';
import { taskHref, unsureText } from './render-task-list.js';
import { fill } from './status-strings.js';

/** A task's page: state, restarts, uptime, lineage, and the timeline of everything livewatch did. */
export function renderTaskPage(ctx: RenderContext, view: TaskView): string {
  const { t } = ctx;
  const row = view.row;
  const facts: Array<[string, Html | string | number]> = [
    [
      t.state,
      html`${stateBadge(row.state)}${row.reason ? html` <span class="muted">${row.reason}</span>` : ''}`,
    ],
    [t.since, html`${fullTime(ctx, row.since)} (${timeCell(ctx, row.since)})`],
    [t.kind, row.kind],
    [t.region, row.region],
    [t.host, row.hosts.join(', ')],
    ...(row.kind === 'relay'
      ? [[t.restarts, `${row.restartsUsed} ${t.budget} ${row.restartBudget}`] as [string, string]]
      : []),
    ...(row.nextCheckAt === undefined
      ? []
      : [[t.nextCheck, timeCell(ctx, row.nextCheckAt)] as [string, Html]]),
    ...Object.entries(view.details).map(([name, value]) => [name, value] as [string, string | number]),
  ];
  const body = html`<h1>${row.name ?? row.id} <span class="muted">${row.id}</span></h1>
${row.needsPerson ? html`<p class="note person" id="needs-person">${t.needsPerson}${view.escalatedAt ? html` (${fullTime(ctx, view.escalatedAt)})` : ''}</p>` : ''}
${row.unsure ? html`<p class="note unsure" id="unsure">${unsureText(ctx, row.unsure)}</p>` : ''}
<section class="card scroll" id="facts"><table><tbody>${facts.map(([name, value]) => html`<tr><th>${name}</th><td>${value}</td></tr>`)}</tbody></table></section>
<h2>${t.uptime}</h2>
<section class="card grid" id="uptime">${renderUptime(ctx, t.last24h, view.uptime.day)}${renderUptime(ctx, t.last7d, view.uptime.week)}</section>
${view.lineage.length > 0 ? html`<h2>${t.lineage}</h2><section class="card" id="lineage"><p>${view.lineage.map((id, i) => html`${i > 0 ? ' → ' : ''}<a href="${taskHref(ctx, { id })}">${id}</a>`)} → <b>${row.id}</b></p></section>` : ''}
<h2>${t.timeline}</h2>
<section class="card" id="timeline">${
    view.timeline.length === 0
      ? html`<p>${t.noHistory}</p>`
      : html`<ol class="timeline">${view.timeline.map(
          (e) =>
            html`<li class="c-${e.category}" data-type="${e.type}"><span class="cat">${e.category}</span>${fullTime(ctx, e.at)}${e.source ? html` <span class="muted">· ${e.source}</span>` : ''}${e.actor ? html` <span class="muted">· ${e.actor}</span>` : ''}<br>${e.message}${e.resumed ? html`<br><span class="muted">file ${e.resumed.fileIndex}, offset ${e.resumed.offset} s</span>` : ''}${e.newTaskId ? html`<br>→ <a href="${taskHref(ctx, { id: e.newTaskId })}">${e.newTaskId}</a>` : ''}</li>`,
        )}</ol>`
  }</section>
<p class="muted">${t.readOnly}</p>`;
  return renderPage(ctx, row.name ?? row.id, body, 30);
}

function renderUptime(ctx: RenderContext, label: string, uptime: Uptime): Html {
  const { t } = ctx;
  if (uptime.ratio === undefined)
    return html`<div class="stat"><span>${label}</span><b>—</b><span class="muted">${t.unknownUptime}</span></div>`;
  const percent = (uptime.ratio * 100).toFixed(uptime.ratio === 1 ? 0 : 2);
  const partial = uptime.knownMs < uptime.windowMs * 0.99;
  return html`<div class="stat"><span>${label}</span><b>${percent} %</b><div class="bar"><i style="width:${percent}%"></i></div>${
    partial
      ? html`<span class="muted">${fill(t.coverage, { duration: formatDuration(uptime.knownMs) })} · ${formatDuration(uptime.knownMs - uptime.upMs)} down</span>`
      : ''
  }</div>`;
}
