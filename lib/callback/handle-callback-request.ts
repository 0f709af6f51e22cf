import pkg from '../../package.json' with { type: 'json' };
import type { Clock } from '../clock.js';
import { type Config, LIVE_REGIONS } from '../config/config.js';
import { AuthError, describeError, RequestRejectedError, ValidationError } from '../errors.js';
import { type ParsedCallback, parseCallback } from '../events/parse-callback.js';
import { resourceKey } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import type { Logger } from '../log.js';
import type { HttpRequest } from '../ports/http-request.js';
import { type HttpResponse, jsonResponse } from '../ports/http-response.js';
import type { Invoker } from '../ports/invoker.js';
import { MethodNotAllowedError } from '../ports/method-not-allowed-error.js';
import { redact } from '../redact.js';
import type { Store } from '../store/store.js';
import { isOwnCallbackUrl } from './callback-url.js';
import { createForwarder, type ForwardCallback } from './forward-callback.js';
import { recordCallbackSnapshot } from './record-callback-snapshot.js';
import { verifyToken } from './verify-token.js';

export type CallbackSettings = Pick<
  Config,
  | 'LIVEWATCH_CALLBACK_TOKENS'
  | 'LIVEWATCH_CALLBACK_BASE_URL'
  | 'LIVEWATCH_CALLBACK_MAX_BODY_BYTES'
  | 'LIVEWATCH_DEDUPE_TTL_S'
  | 'LIVEWATCH_LIVE_REGIONS'
  | 'LIVEWATCH_ALERT_FUNCTION'
>;

export interface CallbackDeps {
  readonly config: CallbackSettings;
  readonly store: Store;
  readonly invoker: Invoker;
  readonly clock: Clock;
  readonly log: Logger;
  /** Forwarding for taken-over tasks; default: a fetch POST with a 2 s timeout. */
  readonly forward?: ForwardCallback;
  /** Reported by /healthz; default: package.json's version. */
  readonly version?: string;
}

/** Forwarding must not hold the callback long: the Live service expects an answer within ~5 s. */
const FORWARD_TIMEOUT_MS = 2_000;

/**
 * The callback function's core, over a plain request (no FC shapes):
 * - `POST /callback/<token>[?region=<region>]`: a pull-to-push callback (docs/callback.md);
 * - `GET /healthz`: 200 `{ok, version, store}`, 503 when the store is down.
 * Expected failures are thrown as livewatch errors and mapped by `toHttpResponse` (401 wrong token,
 * 400 bad body, 404, 405, 413, 503 store/invoke down). Nothing changes before the token is verified
 * and the body parsed; a duplicate is answered 200 without effect; on a store or invoke failure the
 * dedupe claim is released, so the sender's retry is processed (nothing is lost).
 * @example
 * const response = await handleCallbackRequest({ config, store, invoker, clock, log }, request);
 */
export async function handleCallbackRequest(deps: CallbackDeps, request: HttpRequest): Promise<HttpResponse> {
  const segments = withoutBasePath(request.path, deps.config.LIVEWATCH_CALLBACK_BASE_URL).split('/').slice(1);
  if (segments[0] === 'healthz' && segments.length <= 2 && (segments[1] ?? '') === '') {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new MethodNotAllowedError(request.method, ['GET', 'HEAD']);
    }
    return checkHealth(deps);
  }
  if (segments[0] !== 'callback') throw new RequestRejectedError(404, 'not found');

  // Authenticate before anything else looks at the request (docs/callback.md: a wrong token changes nothing).
  if (segments.length > 2 || !verifyToken(segments[1] ?? '', deps.config.LIVEWATCH_CALLBACK_TOKENS)) {
    if (deps.config.LIVEWATCH_CALLBACK_TOKENS.length === 0) {
      deps.log.warn('LIVEWATCH_CALLBACK_TOKENS is empty: every callback is rejected with 401');
    }
    throw new AuthError('missing or wrong callback token');
  }
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['POST']);
  const maxBytes = deps.config.LIVEWATCH_CALLBACK_MAX_BODY_BYTES;
  if (request.body.length > maxBytes) {
    throw new RequestRejectedError(413, `body of ${request.body.length} bytes exceeds ${maxBytes} bytes`);
  }
  return receiveCallback(deps, request, regionOf(request));
}

/**
 * Enrolled URLs keep the base URL's path (`https://gw.example.com/livewatch/callback/<token>`); a custom
 * domain routing that prefix to the function passes it on, so it is taken off before routing.
 */
function withoutBasePath(path: string, baseUrl: string | undefined): string {
  if (baseUrl === undefined) return path;
  const prefix = new URL(baseUrl).pathname.replace(/\/+$/, '');
  return prefix !== '' && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

function regionOf(request: HttpRequest): string | undefined {
  const region = request.query.region;
  if (region === undefined || region === '') return undefined;
  if (!(LIVE_REGIONS as readonly string[]).includes(region)) {
    throw new ValidationError('callback URL', [
      { path: 'region', message: `must be one of ${LIVE_REGIONS.join(', ')}` },
    ]);
  }
  return region;
}

async function receiveCallback(
  deps: CallbackDeps,
  request: HttpRequest,
  region: string | undefined,
): Promise<HttpResponse> {
  const { store, config, clock } = deps;
  const receivedAt = clock.now();
  const parsed = parseCallback(request.body, {
    receivedAt,
    region,
    defaultRegion: config.LIVEWATCH_LIVE_REGIONS[0] ?? 'cn-shanghai',
  });
  const key = resourceKey(parsed.event.resource);
  const log = deps.log.child({ resource: key, eventKey: parsed.event.key });
  if (!parsed.recognised) {
    log.warn('accepted a callback with an unrecognised event name', {
      event: parsed.eventName,
      body: redact(request.body.toString('utf8').slice(0, 2_000)),
    });
  }
  if (!parsed.eventTimeValid) log.info('callback without a valid EventTime; using the receive time');
  if (parsed.eventTimeClamped) {
    log.warn('callback EventTime is later than its receive time; using the receive time', {
      eventTime: parsed.claimedEventTime,
    });
  }

  if (!(await store.claim(parsed.event.key, config.LIVEWATCH_DEDUPE_TTL_S * 1000, receivedAt))) {
    log.debug('duplicate callback ignored');
    return jsonResponse(200, { ok: true, duplicate: true });
  }
  try {
    await processClaimed(deps, log, request, parsed, key, receivedAt);
  } catch (error) {
    // Give the claim back so the sender's retry is processed: nothing is lost.
    await store.release(parsed.event.key).catch((releaseError: unknown) => {
      log.error('could not release the dedupe claim after a failure; a retry within the TTL is lost', {
        error: describeError(releaseError),
      });
    });
    throw error;
  }
  return jsonResponse(200, { ok: true, duplicate: false });
}

async function processClaimed(
  deps: CallbackDeps,
  log: Logger,
  request: HttpRequest,
  parsed: ParsedCallback,
  key: string,
  receivedAt: number,
): Promise<void> {
  const { store, config } = deps;
  const current = await store.snapshots.get(key);
  // The snapshot's state is "previous" only for a callback newer than it (an out-of-order one is not).
  const previous =
    current !== undefined && parsed.event.observedAt > current.value.observedAt
      ? current.value.resource.state
      : undefined;
  const event: TaskEvent =
    previous !== undefined && parsed.stateKnown && previous !== parsed.event.state
      ? { ...parsed.event, previousState: previous }
      : parsed.event;

  await store.appendHistory(key, {
    at: receivedAt,
    type: 'event',
    message: `callback ${parsed.eventName}: ${event.state}${event.reason ? ` (${event.reason})` : ''}`,
    data: {
      source: 'callback',
      key: event.key,
      event: parsed.eventName,
      state: event.state,
      status: parsed.status,
      reason: event.reason,
      observedAt: event.observedAt,
      eventTimeValid: parsed.eventTimeValid,
      eventTimeClamped: parsed.eventTimeClamped,
      stateKnown: parsed.stateKnown,
      recognised: parsed.recognised,
    },
  });

  const target = await store.forwards.get(key);
  const forwardTo =
    target && !isOwnCallbackUrl(config, target.value.originalUrl) ? target.value.originalUrl : undefined;
  const forward = deps.forward ?? createForwarder({ timeoutMs: FORWARD_TIMEOUT_MS, log });
  await Promise.all([
    // The alert function does the slow work (verify, restart, notify); the task id dedupes submissions.
    deps.invoker.invokeAsync(config.LIVEWATCH_ALERT_FUNCTION, JSON.stringify([event]), event.key),
    forwardTo === undefined
      ? undefined
      : forward(forwardTo, request.body, request.headers['content-type']).catch((error: unknown) => {
          // A forwarder must not fail the callback; the owner's receiver is not ours to guarantee.
          log.warn('forwarding failed', { error: describeError(error) });
        }),
  ]);

  // After the invoke, so a failed invoke (503, retried by the sender) never leaves a snapshot that
  // would hide the transition from the poller.
  await recordCallbackSnapshot({ store, log, receivedAt }, key, parsed, current);
}

async function checkHealth(deps: CallbackDeps): Promise<HttpResponse> {
  const version = deps.version ?? pkg.version;
  try {
    await deps.store.ping();
    return jsonResponse(200, { ok: true, version, store: 'ok' });
  } catch (error) {
    deps.log.warn('health check: store down', { error: describeError(error) });
    return jsonResponse(503, { ok: false, version, store: 'down' });
  }
}
