import { redact } from '../redact.js';
import { formatDuration, formatTime, type TimeSettings } from './format-time.js';
import type { StatusStrings } from './status-strings.js';

/** What every renderer needs: the words, the time settings, and where the page lives. */
export interface RenderContext {
  readonly t: StatusStrings;
  readonly time: TimeSettings;
  /** The status page's path, e.g. `/status` (or `/livewatch/status` behind a path prefix). */
  readonly base: string;
  readonly now: number;
}

/** Escapes text for HTML element content and quoted attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Tagged template that escapes every interpolated value unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toHtml(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function toHtml(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(toHtml).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

export function timeCell(ctx: RenderContext, at: number | undefined): Html {
  if (at === undefined) return html``;
  const delta = at - ctx.now;
  const relative =
    delta > 0 ? `${ctx.t.in} ${formatDuration(delta)}` : `${formatDuration(-delta)} ${ctx.t.ago}`;
  return html`<time datetime="${new Date(at).toISOString()}" title="${formatTime(at, ctx.time)}">${relative}</time>`;
}

export function fullTime(ctx: RenderContext, at: number): Html {
  return html`<time datetime="${new Date(at).toISOString()}">${formatTime(at, ctx.time)}</time>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="state s-${state.replace(/[^a-z-]/g, '')}">${state}</span>`;
}

/** Inline CSS only: the page fetches nothing (no CDN, no fonts), so it works from any network. */
const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif;color:#1b1f24;background:#f6f7f9}
header{background:#17324d;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .brand{font-size:1.1rem}header .meta{margin-left:auto;font-size:.8rem;opacity:.85}
main{padding:1rem;max-width:1200px;margin:0 auto}h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
section.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.8rem 1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem}.stat{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.6rem .8rem}
.stat b{display:block;font-size:1.5rem}.stat.bad b{color:#b42318}.stat.warn b{color:#b54708}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #eceef1;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.02em;color:#57606a}
.state{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.82rem;background:#eaeef2}
.s-running,.s-started{background:#dafbe1;color:#116329}.s-offline,.s-stopped,.s-gone,.s-open{background:#ffebe9;color:#a40e26}
.s-recovering,.s-paused,.s-half-open,.s-idle,.s-not-started{background:#fff8c5;color:#7d4e00}
.person{color:#a40e26;font-weight:600}.unsure{color:#9a6700;font-weight:600}.muted{color:#57606a;font-size:.88rem}.note{background:#eef6ff;border-left:4px solid #0969da;padding:.5rem .8rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:#57606a}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #c9ced4;border-radius:6px;background:#fff}button{background:#17324d;color:#fff;border-color:#17324d;cursor:pointer}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{border-left:3px solid #c9ced4;padding:.3rem 0 .6rem .8rem;margin-left:.3rem}
ol.timeline li.c-restart,ol.timeline li.c-resume{border-color:#0969da}ol.timeline li.c-decision{border-color:#bf8700}ol.timeline li.c-recovery{border-color:#1a7f37}ol.timeline li.c-operator{border-color:#8250df}
.cat{font-size:.75rem;text-transform:uppercase;color:#57606a;margin-right:.4rem}.bar{height:.6rem;background:#ffebe9;border-radius:4px;overflow:hidden}.bar i{display:block;height:100%;background:#2da44e}
a{color:#0969da}nav.pager{display:flex;gap:1rem;margin-top:.8rem}
@media (max-width:640px){main{padding:.6rem}td,th{padding:.35rem .3rem}.hide-sm{display:none}}
`;

/** A whole page. `refreshS` adds a meta refresh (no script needed: the page works without JavaScript). */
export function renderPage(ctx: RenderContext, title: string, body: Html, refreshS?: number): string {
  const { t, base } = ctx;
  const page = html`<!doctype html>
<html lang="${ctx.time.LIVEWATCH_LANGUAGE}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
${refreshS ? html`<meta http-equiv="refresh" content="${refreshS}">` : ''}
<title>${title} · ${t.title}</title><style>${new Html(CSS)}</style></head>
<body><header><a class="brand" href="${base}">livewatch</a><a href="${base}">${t.overview}</a><a href="${base}/tasks">${t.tasks}</a>
<span class="meta">${t.updated} ${formatTime(ctx.now, ctx.time)}</span></header>
<main>${body}</main></body></html>`;
  // Last line of defence: no registered secret or URL credential leaves in a page.
  return redact(page.value);
}
