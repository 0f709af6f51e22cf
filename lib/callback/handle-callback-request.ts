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
import type {
  CallbackAcceptance,
  ForwardTarget,
  HistoryEntry,
  Store,
  StoredSnapshot,
  Versioned,
} from '../store/store.js';
import { callbackSnapshotPatch } from './callback-snapshot-patch.js';
import { callbackTokenOf, isOwnCallbackUrl, receiverPathOf } from './callback-url.js';
import { createForwarder, type ForwardCallback } from './forward-callback.js';
import { verifyToken } from './verify-token.js';

export type CallbackSettings = Pick<
  Config,
  | 'LIVEWATCH_CALLBACK_TOKENS'
  | 'LIVEWATCH_CALLBACK_BASE_URL'
  | 'LIVEWATCH_CALLBACK_MAX_BODY_BYTES'
  | 'LIVEWATCH_DEDUPE_TTL_S'
  | 'LIVEWATCH_INBOX_REDELIVER_S'
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
 * and the body parsed; a duplicate is answered 200 without effect. The dedupe claim is written once for
 * LIVEWATCH_DEDUPE_TTL_S beside the event's inbox entry and released on a failure; a claim that could
 * not be released leaves the inbox entry, which the alert tick delivers (nothing is lost).
 * @example
 * const response = await handleCallbackRequest({ config, store, invoker, clock, log }, request);
 */
export async function handleCallbackRequest(deps: CallbackDeps, request: HttpRequest): Promise<HttpResponse> {
  const path = receiverPathOf(request.path, deps.config.LIVEWATCH_CALLBACK_BASE_URL);
  if (path === '/healthz' || path === '/healthz/') {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new MethodNotAllowedError(request.method, ['GET', 'HEAD']);
    }
    return checkHealth(deps);
  }
  const token = callbackTokenOf(path);
  if (token === undefined) throw new RequestRejectedError(404, 'not found');

  // Authenticate before anything else looks at the request (docs/callback.md: a wrong token changes nothing).
  if (!verifyToken(token, deps.config.LIVEWATCH_CALLBACK_TOKENS)) {
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

  // The whole store work of a callback is one round trip: claim, history, snapshot and the event
  // inbox (docs/callback.md). The claim is written once with its full length: the inbox entry commits
  // with it, so if this request dies before the hand-off or its undo, the alert tick delivers the event
  // from the inbox (docs/alert.md, "Event inbox") and a resend is rightly a duplicate.
  const snapshot = callbackSnapshotPatch(parsed, receivedAt);
  const accepted = await store.acceptCallback({
    claim: { key: parsed.event.key, ttlMs: config.LIVEWATCH_DEDUPE_TTL_S * 1000 },
    now: receivedAt,
    resourceKey: key,
    history: historyEntryOf(parsed, receivedAt),
    inbox: { event: parsed.event, dueAt: receivedAt + config.LIVEWATCH_INBOX_REDELIVER_S * 1000 },
    ...(snapshot === undefined ? {} : { snapshot }),
  });
  if (!accepted.claimed) {
    log.debug('duplicate callback ignored');
    return jsonResponse(200, { ok: true, duplicate: true });
  }
  try {
    await submit(deps, log, request, eventWithPrevious(parsed, accepted.previous), accepted.forward);
  } catch (error) {
    // Give the claim back and take the snapshot back, so the sender's retry is processed and the
    // poller still sees the transition if the retry never comes. If the undo fails too, the event's
    // inbox entry is still there and the alert tick delivers it: nothing is lost.
    await undoAcceptance(store, key, parsed.event.key, accepted).catch((undoError: unknown) => {
      log.error('could not undo the callback after a failure; the event inbox delivers it later', {
        error: describeError(undoError),
      });
    });
    throw error;
  }
  return jsonResponse(200, { ok: true, duplicate: false });
}

/** The snapshot's state is "previous" only for a callback newer than it (an out-of-order one is not). */
function eventWithPrevious(
  parsed: ParsedCallback,
  current: Versioned<StoredSnapshot> | undefined,
): TaskEvent {
  const previous =
    current !== undefined && parsed.event.observedAt > current.value.observedAt
      ? current.value.resource.state
      : undefined;
  return previous !== undefined && parsed.stateKnown && previous !== parsed.event.state
    ? { ...parsed.event, previousState: previous }
    : parsed.event;
}

function historyEntryOf(parsed: ParsedCallback, receivedAt: number): HistoryEntry {
  const { event } = parsed;
  return {
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
  };
}

/** The one submission (and the forward of a taken-over task's callback to its owner). */
async function submit(
  deps: CallbackDeps,
  log: Logger,
  request: HttpRequest,
  event: TaskEvent,
  target: ForwardTarget | undefined,
): Promise<void> {
  const { config } = deps;
  const forwardTo = target && !isOwnCallbackUrl(config, target.originalUrl) ? target.originalUrl : undefined;
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
}

/**
 * After a failed submission: the snapshot goes back to what it was (only if nothing wrote since:
 * a later write is newer news), and the claim is released.
 */
async function undoAcceptance(
  store: Store,
  key: string,
  claimKey: string,
  accepted: Extract<CallbackAcceptance, { claimed: true }>,
): Promise<void> {
  const { previous, writtenVersion } = accepted;
  if (writtenVersion !== undefined) {
    if (previous === undefined) await store.snapshots.delete(key, writtenVersion);
    else await store.snapshots.put(key, previous.value, writtenVersion);
  }
  await store.release(claimKey);
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
