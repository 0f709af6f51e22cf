import { verifyToken } from '../callback/verify-token.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { RequestRejectedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HttpRequest } from '../ports/http-request.js';
import { type HttpResponse, jsonResponse } from '../ports/http-response.js';
import { MethodNotAllowedError } from '../ports/method-not-allowed-error.js';
import { redact } from '../redact.js';
import type { Store } from '../store/store.js';
import { listTasks, parseTaskQuery } from './list-tasks.js';
import { readMetrics } from './read-metrics.js';
import { readOverview } from './read-overview.js';
import { findTaskKey, readTaskView } from './read-task-view.js';
import { html, type RenderContext, renderPage } from './render-layout.js';
import { renderOverview } from './render-overview.js';
import { renderTaskList } from './render-task-list.js';
import { renderTaskPage } from './render-task-page.js';
import { bearerOf, createSession, isAuthorized, sessionCookie } from './status-session.js';
import { stringsFor } from './status-strings.js';

export interface StatusDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Headers of every page: nothing external may load, nothing may frame it, nothing is cached. */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;
const API_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/**
 * The status page, its JSON API and the metrics endpoint on the callback function's HTTP trigger
 * (`docs/status-page.md`). Returns undefined for any other path, so the callback handler answers it.
 * Authentication comes before anything is read: a wrong or missing token is the same 401 on every
 * path (it never tells whether a task exists); unknown paths under /status are 404 only after it.
 * @example return handleStatusRequest(deps, request) ?? handleCallbackRequest(deps, request);
 */
export function handleStatusRequest(
  deps: StatusDeps,
  request: HttpRequest,
): Promise<HttpResponse> | undefined {
  const route = routeOf(request.path, deps.config);
  if (route === undefined) return undefined;
  if (route.metrics) return serveMetrics(deps, request);
  return serveStatus(deps, request, route.base, route.rest);
}

/** `<prefix>/status/<rest>` or `<prefix>/metrics`, where the prefix is a configured URL's path. */
function routeOf(
  path: string,
  config: Config,
): { base: string; rest: string[]; metrics: false } | { metrics: true } | undefined {
  const prefixes = new Set(['']);
  for (const url of [config.LIVEWATCH_STATUS_URL, config.LIVEWATCH_CALLBACK_BASE_URL]) {
    if (url === undefined) continue;
    prefixes.add(new URL(url).pathname.replace(/\/status\/?$/, '').replace(/\/+$/, ''));
  }
  for (const prefix of prefixes) {
    if (path === `${prefix}/metrics`) return { metrics: true };
    if (path === `${prefix}/status` || path.startsWith(`${prefix}/status/`)) {
      const rest = path
        .slice(prefix.length + '/status'.length)
        .split('/')
        .filter((s) => s !== '');
      return { base: `${prefix}/status`, rest, metrics: false };
    }
  }
  return undefined;
}

async function serveMetrics(deps: StatusDeps, request: HttpRequest): Promise<HttpResponse> {
  const token = bearerOf(request);
  if (token === undefined || !verifyToken(token, deps.config.LIVEWATCH_METRICS_TOKENS)) {
    return {
      statusCode: 401,
      headers: { ...API_HEADERS, 'WWW-Authenticate': 'Bearer' },
      body: '{"error":"unauthorized"}',
    };
  }
  if (request.method !== 'GET' && request.method !== 'HEAD')
    throw new MethodNotAllowedError(request.method, ['GET', 'HEAD']);
  const body = redact(await readMetrics(deps.store, deps.config, deps.clock.now()));
  return {
    statusCode: 200,
    headers: { ...API_HEADERS, 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    body,
  };
}

async function serveStatus(
  deps: StatusDeps,
  request: HttpRequest,
  base: string,
  rest: string[],
): Promise<HttpResponse> {
  const { config, clock } = deps;
  const now = clock.now();
  const ctx: RenderContext = {
    t: stringsFor(config.LIVEWATCH_LANGUAGE),
    time: config,
    base,
    now,
  };
  const maxAgeMs = config.LIVEWATCH_STATUS_SESSION_S * 1000;
  const tokens = config.LIVEWATCH_STATUS_TOKENS;
  const api = rest[0] === 'api';
  if (!api && (rest[0] === 'login' || rest[0] === 'logout') && rest.length === 1) {
    return rest[0] === 'login' ? login(deps, request, ctx) : logout(ctx, request);
  }
  const linkToken = request.query.token;
  if (!api && linkToken !== undefined && request.method === 'GET' && verifyToken(linkToken, tokens)) {
    // A link carrying the token (npm start's banner): trade it for a cookie and drop it from the URL.
    const query = new URLSearchParams(Object.entries(request.query).filter(([name]) => name !== 'token'));
    const location = `${base}${rest.length > 0 ? `/${rest.map(encodeURIComponent).join('/')}` : ''}${query.size > 0 ? `?${query}` : ''}`;
    return redirect(
      location,
      sessionCookie(
        createSession(linkToken, now, maxAgeMs),
        base,
        maxAgeMs / 1000,
        isSecure(request, config),
      ),
    );
  }
  if (!isAuthorized(request, tokens, now, maxAgeMs)) {
    if (tokens.length === 0) deps.log.warn('LIVEWATCH_STATUS_TOKENS is empty: the status page answers 401');
    return api ? unauthorizedJson() : loginPage(ctx, 401, false);
  }
  if (request.method !== 'GET' && request.method !== 'HEAD')
    throw new MethodNotAllowedError(request.method, ['GET', 'HEAD']);
  return api ? serveApi(deps, request, ctx, rest.slice(1)) : servePage(deps, request, ctx, rest);
}

/** The page and the JSON API answer the same routes below the token check: `rest` is the path after it. */
type Serve = (
  deps: StatusDeps,
  request: HttpRequest,
  ctx: RenderContext,
  rest: string[],
) => Promise<HttpResponse>;

const servePage: Serve = async (deps, request, ctx, rest) => {
  const { store, config } = deps;
  if (rest.length === 0) return page(200, renderOverview(ctx, await readOverview(store, config, ctx.now)));
  const found = await readTasksRoute(deps, request, ctx.now, rest);
  if (found?.list !== undefined) return page(200, renderTaskList(ctx, found.list, regionsOf(config)));
  if (found?.view !== undefined) return page(200, renderTaskPage(ctx, found.view));
  return page(404, renderPage(ctx, ctx.t.notFound, html`<h1>${ctx.t.notFound}</h1>`));
};

const serveApi: Serve = async (deps, request, ctx, rest) => {
  const json = (value: unknown) => ({
    ...jsonResponse(200, value, API_HEADERS),
    body: redact(JSON.stringify(value)),
  });
  if (rest.length === 1 && rest[0] === 'overview') {
    return json(await readOverview(deps.store, deps.config, ctx.now));
  }
  const found = await readTasksRoute(deps, request, ctx.now, rest);
  if (found !== undefined) return json(found.list ?? found.view);
  throw new RequestRejectedError(404, 'not found');
};

type TasksRoute =
  | { readonly list: Awaited<ReturnType<typeof listTasks>>; readonly view?: undefined }
  | { readonly view: Awaited<ReturnType<typeof readTaskView>>; readonly list?: undefined };

/** `tasks` and `tasks/<id>` read the same under the page and the API; undefined: no such route or task. */
async function readTasksRoute(
  { store, config }: StatusDeps,
  request: HttpRequest,
  now: number,
  rest: string[],
): Promise<TasksRoute | undefined> {
  if (rest[0] !== 'tasks') return undefined;
  if (rest.length === 1) return { list: await listTasks(store, config, parseTaskQuery(request.query), now) };
  if (rest.length !== 2) return undefined;
  const key = await findTaskKey(store, config, decodeSegment(rest[1] ?? ''));
  return key === undefined ? undefined : { view: await readTaskView(store, config, key, now) };
}

async function login(deps: StatusDeps, request: HttpRequest, ctx: RenderContext): Promise<HttpResponse> {
  if (request.method === 'GET' || request.method === 'HEAD') return loginPage(ctx, 200, false);
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['GET', 'HEAD', 'POST']);
  if (request.body.length > 4_096) throw new RequestRejectedError(413, 'login form too large');
  const token = new URLSearchParams(request.body.toString('utf8')).get('token') ?? '';
  if (!verifyToken(token, deps.config.LIVEWATCH_STATUS_TOKENS)) return loginPage(ctx, 401, true);
  const maxAgeMs = deps.config.LIVEWATCH_STATUS_SESSION_S * 1000;
  const cookie = sessionCookie(
    createSession(token, ctx.now, maxAgeMs),
    ctx.base,
    maxAgeMs / 1000,
    isSecure(request, deps.config),
  );
  return redirect(ctx.base, cookie);
}

function logout(ctx: RenderContext, request: HttpRequest): HttpResponse {
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['POST']);
  return redirect(`${ctx.base}/login`, sessionCookie('', ctx.base, 0, false));
}

function loginPage(ctx: RenderContext, statusCode: number, failed: boolean): HttpResponse {
  const { t } = ctx;
  const body = html`<h1>${t.login}</h1><section class="card" id="login">
${failed ? html`<p class="person">${t.unauthorized}</p>` : statusCode === 401 ? html`<p>${t.unauthorized}</p>` : ''}
<form method="post" action="${ctx.base}/login"><p><label>${t.tokenLabel}<br><input type="password" name="token" autocomplete="current-password" required></label></p>
<p><button type="submit">${t.login}</button></p></form><p class="muted">${t.loginHelp}</p></section>`;
  return page(statusCode, renderPage(ctx, t.login, body));
}

function page(statusCode: number, body: string): HttpResponse {
  return { statusCode, headers: PAGE_HEADERS, body };
}

function redirect(location: string, cookie: string): HttpResponse {
  return {
    statusCode: 303,
    headers: { ...PAGE_HEADERS, Location: location, 'Set-Cookie': cookie },
    body: '',
  };
}

function unauthorizedJson(): HttpResponse {
  return {
    statusCode: 401,
    headers: {
      ...API_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'WWW-Authenticate': 'Bearer',
    },
    body: '{"error":"unauthorized"}',
  };
}

/** Secure cookies everywhere but plain-HTTP loopback (the local host under `npm start`). */
function isSecure(request: HttpRequest, config: Config): boolean {
  if (config.LIVEWATCH_STATUS_URL?.startsWith('https:')) return true;
  const host = (request.headers.host ?? '').replace(/:\d+$/, '');
  return !(host === '127.0.0.1' || host === 'localhost' || host === '[::1]');
}

function regionsOf(config: Config): string[] {
  return [...new Set([...config.LIVEWATCH_LIVE_REGIONS, ...config.LIVEWATCH_ICE_REGIONS])].sort();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}
