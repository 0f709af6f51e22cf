import type { Overview } from './read-overview.js';
import { type Html, html, type RenderContext, renderPage, stateBadge, timeCell } from './render-layout.js';
import { renderTaskTable } from './render-task-list.js';

/** The overview: counts, what needs a person first, breakers, silences, heartbeat, outbox, version. */
export function renderOverview(ctx: RenderContext, view: Overview): string {
  const { t } = ctx;
  const hb = view.heartbeat;
  const stats: Html[] = [
    html`<div class="stat"><span>${t.total}</span><b>${view.total}</b></div>`,
    html`<div class="stat ${view.attentionTotal > 0 ? 'warn' : ''}"><span>${t.attention}</span><b>${view.attentionTotal}</b></div>`,
    html`<div class="stat ${hb.stale ? 'bad' : ''}" id="heartbeat"><span>${t.heartbeat}</span><b>${hb.ageS === undefined ? '—' : `${hb.ageS} s`}</b>${hb.stale ? html`<span class="person">${t.stale}</span>` : ''}</div>`,
    html`<div class="stat ${view.outbox.dead > 0 ? 'bad' : ''}" id="outbox"><span>${t.outbox}</span><b>${view.outbox.pending}</b><span class="muted">${t.pending} · ${view.outbox.dead} ${t.dead} · ${view.outbox.sent} ${t.sent}</span></div>`,
  ];
  const body = html`<h1>${t.overview}</h1>
<div class="grid">${stats}</div>
${hb.lastError ? html`<p class="muted">${t.lastError}: ${hb.lastError}</p>` : ''}
<h2>${t.attention}</h2>
<section class="card" id="attention">${
    view.attention.length === 0
      ? html`<p>${t.nothingNeedsAttention}</p>`
      : html`${renderTaskTable(ctx, view.attention)}${
          view.attentionTotal > view.attention.length
            ? html`<p><a href="${ctx.base}/tasks?state=attention">${t.tasks} (${view.attentionTotal})</a></p>`
            : ''
        }`
  }</section>
<h2>${t.breakers}</h2>
<section class="card" id="breakers">${renderBreakers(ctx, view)}</section>
<h2>${t.byState}</h2>
<section class="card scroll" id="by-state"><table><thead><tr><th>${t.kind}</th><th>${t.state}</th><th>#</th></tr></thead><tbody>${Object.entries(
    view.byKindState,
  ).flatMap(([kind, states]) =>
    Object.entries(states).map(
      ([state, n]) =>
        html`<tr><td>${kind}</td><td><a href="${ctx.base}/tasks?kind=${kind}&amp;state=${state}">${stateBadge(state)}</a></td><td>${n}</td></tr>`,
    ),
  )}</tbody></table></section>
<h2>${t.byRegion}</h2>
<section class="card scroll" id="by-region"><table><thead><tr><th>${t.region}</th><th>${t.total}</th><th>${t.attention}</th><th>${t.needsPerson}</th></tr></thead><tbody>${Object.entries(
    view.byRegion,
  ).map(
    ([region, c]) =>
      html`<tr><td><a href="${ctx.base}/tasks?region=${region}">${region}</a></td><td>${c.total}</td><td>${c.unhealthy}</td><td>${c.needsPerson > 0 ? html`<span class="person">${c.needsPerson}</span>` : 0}</td></tr>`,
  )}</tbody></table></section>
<h2>${t.silences}</h2>
<section class="card" id="silences">${renderSilences(ctx, view)}</section>
<p class="muted">${t.version} ${view.version} · ${t.readOnly}</p>`;
  return renderPage(ctx, t.overview, body, 30);
}

function renderBreakers(ctx: RenderContext, view: Overview): Html {
  const { t } = ctx;
  if (view.breakers.length === 0) return html`<p>${t.allClosed}</p>`;
  return html`<div class="scroll"><table><thead><tr><th>${t.id}</th><th>${t.state}</th><th>${t.failures}</th><th>${t.opened}</th><th>${t.probe}</th></tr></thead><tbody>${view.breakers.map(
    (b) =>
      html`<tr><td>${b.key}</td><td>${stateBadge(b.state)}</td><td>${b.failuresInWindow}</td><td>${timeCell(ctx, b.openedAt)}</td><td>${b.probeTaskKey ?? ''}</td></tr>`,
  )}</tbody></table></div>`;
}

function renderSilences(ctx: RenderContext, view: Overview): Html {
  const { t } = ctx;
  if (view.silences.length === 0) return html`<p>${t.noSilences}</p>`;
  return html`<div class="scroll"><table><thead><tr><th>${t.id}</th><th>${t.members}</th><th>${t.from}</th><th>${t.until}</th><th>${t.by}</th></tr></thead><tbody>${view.silences.map(
    (s) =>
      html`<tr><td>${s.id}${s.active ? '' : html`<br><span class="muted">${t.upcoming}</span>`}${s.pauseRestarts ? html`<br><span class="person">${t.pausesRestarts}</span>` : ''}</td><td>${describeMatchers(s.matchers)}</td><td>${timeCell(ctx, s.startsAt)}</td><td>${timeCell(ctx, s.endsAt)}</td><td>${s.createdBy}<br><span class="muted">${s.comment}</span></td></tr>`,
  )}</tbody></table></div>`;
}

/** `region=cn-shanghai sourceHost=a,b`: what a silence matches, as `livewatch silence add` takes it. */
function describeMatchers(matchers: Overview['silences'][number]['matchers']): string {
  return Object.entries(matchers)
    .filter(([, value]) => value !== undefined && (!Array.isArray(value) || value.length > 0))
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(' ');
}
