/**
 * The emulator's request pipeline for the Live and ICE RPC endpoints: read the request (query,
 * form or JSON body), authenticate its signature, resolve the action, apply flow control and
 * injected API faults, wait the configured latency, run the action, and answer with the result or
 * the standard error body. Every request is counted and logged in the RequestLedger.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../lib/clock.js';
import { describeError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { apiErrors, EmulatedApiError } from './api-error.js';
import type { RequestAuthenticator } from './authenticate.js';
import type { ActionStats } from './emulator-types.js';
import { drawLatencyMs, type FaultState } from './faults.js';
import { readBody, sendJson } from './http-io.js';
import { ICE_ACTIONS, ICE_VERSION, type IceHandler } from './ice-actions.js';
import type { IceJobs } from './ice-jobs.js';
import { LIVE_ACTIONS, LIVE_VERSION, type LiveHandler } from './live-actions.js';
import type { Params } from './param-rules.js';
import type { Readings } from './readings.js';
import type { RelayEngine } from './relay-engine.js';
import type { RequestLedger } from './request-ledger.js';
import { parseQueryPairs } from './signature.js';
import type { SlidingWindowLimiter } from './sliding-window.js';

export interface ApiPipelineDeps {
  readonly clock: Clock;
  /** The clock signature timestamps are checked against. */
  readonly timestampClock: Clock;
  readonly authenticator: RequestAuthenticator;
  readonly limiter: SlidingWindowLimiter;
  /** Flow control counts per account: the account of each AccessKey id. */
  readonly accountOf: ReadonlyMap<string, string>;
  readonly faults: FaultState;
  readonly relays: RelayEngine;
  readonly ice: IceJobs;
  readonly ledger: RequestLedger;
  /** The `faultPhase` and `iceListWindowDays` readings are applied here. */
  readonly readings: Readings;
  /** Draws in [0, 1) for API fault rates and for latency (separate streams, see startEmulator). */
  readonly drawApiFault: () => number;
  readonly drawLatency: () => number;
  readonly newJobId: () => string;
  /** Applies time-driven transitions up to now (before an action sees the state). */
  readonly evaluate: () => void;
  /** Lets the callback dispatcher deliver what an action queued. */
  readonly kickCallbacks: () => void;
  readonly log: Logger;
}

/** One parsed request; `bodyError` is answered as the standard error once the call is counted. */
interface ApiRequest {
  readonly req: IncomingMessage;
  readonly path: string;
  readonly query: Array<[string, string]>;
  readonly form: Array<[string, string]>;
  readonly body: Buffer;
  readonly params: Map<string, string>;
  readonly action: string;
  readonly version: string;
  readonly bodyError: unknown;
}

/** What the call learned on its way, for the request log. */
interface CallTrace {
  accessKeyId?: string;
  scheme?: 'v1' | 'v3';
  latencyDone: boolean;
  /** The action ran before an `after`-phase fault lost its answer. */
  applied?: boolean;
}

type ResolvedHandler = { kind: 'live'; handler: LiveHandler } | { kind: 'ice'; handler: IceHandler };

/** Returns the handler of one API request (everything not under `/_emulator`). */
export function createApiHandler(
  deps: ApiPipelineDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const request = await readApiRequest(req);
    const stats = request.action === '' ? undefined : deps.ledger.statsFor(request.action);
    if (stats !== undefined) stats.calls += 1;
    const trace: CallTrace = { latencyDone: false };
    const requestId = randomUUID().toUpperCase();
    try {
      const result = await runAction(deps, request, stats, trace);
      if (result === 'hang') {
        // Hang past the client's timeout: never answer; the socket closes with the client or close().
        recordCall(deps, request, trace, 0, 'Timeout');
        return;
      }
      if (stats !== undefined) stats.ok += 1;
      recordCall(deps, request, trace, 200);
      sendJson(res, 200, { RequestId: requestId, ...result });
    } catch (error) {
      await answerError(deps, { request, stats, trace, requestId, res }, error);
    }
  };
}

async function readApiRequest(req: IncomingMessage): Promise<ApiRequest> {
  const rawUrl = req.url ?? '/';
  const queryString = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : '';
  const path = rawUrl.split('?')[0] || '/';
  const query = parseQueryPairs(queryString);
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  let body: Buffer = Buffer.alloc(0);
  let form: Array<[string, string]> = [];
  let bodyError: unknown;
  const params = new Map<string, string>(query);
  try {
    body = await readBody(req);
    if (contentType.includes('application/x-www-form-urlencoded'))
      form = parseQueryPairs(body.toString('utf8'));
    for (const [name, value] of [...form, ...jsonParams(contentType, body)]) params.set(name, value);
  } catch (error) {
    bodyError = error;
  }
  const action = headerString(req, 'x-acs-action') ?? params.get('Action') ?? '';
  const version = headerString(req, 'x-acs-version') ?? params.get('Version') ?? '';
  return { req, path, query, form, body, params, action, version, bodyError };
}

/** Admits the call (signature, action, flow control, faults), then runs it: its result or 'hang'. */
async function runAction(
  deps: ApiPipelineDeps,
  request: ApiRequest,
  stats: ActionStats | undefined,
  trace: CallTrace,
): Promise<Record<string, unknown> | 'hang'> {
  const { req, action, version, params } = request;
  if (request.bodyError !== undefined) throw request.bodyError;
  const auth = deps.authenticator.authenticate(
    {
      method: req.method ?? 'GET',
      path: request.path,
      headers: req.headers,
      query: request.query,
      form: request.form,
      body: request.body,
    },
    deps.timestampClock.now(),
  );
  trace.accessKeyId = auth.accessKeyId;
  trace.scheme = auth.scheme;
  if (action === '') throw apiErrors.missingParameter('Action');
  const handler = resolveHandler(action, version);
  if (handler === undefined) throw apiErrors.apiNotFound(action, version);
  if (!deps.limiter.tryAcquire(`${deps.accountOf.get(auth.accessKeyId) ?? auth.accessKeyId}|${action}`)) {
    if (stats !== undefined) stats.throttled += 1;
    throw apiErrors.throttled();
  }
  const fault = deps.faults.apiFaultFor(action, deps.drawApiFault);
  if (fault !== undefined && stats !== undefined) stats.faulted += 1;
  // The `faultPhase: after` reading: the action applies, then its answer is lost.
  const lostAfter = (fault === 'timeout' || fault === '5xx') && deps.readings.values.faultPhase === 'after';
  if (fault === 'timeout' && !lostAfter) return 'hang';
  if (fault === 'throttle') {
    if (stats !== undefined) stats.throttled += 1;
    throw apiErrors.throttled();
  }
  if (fault === '5xx' && !lostAfter) throw apiErrors.internal();
  await sleepLatency(deps);
  trace.latencyDone = true;
  deps.evaluate();
  const now = deps.clock.now();
  const result =
    handler.kind === 'ice'
      ? handler.handler(params, {
          jobs: deps.ice,
          now,
          region: iceRegionOf(params, req),
          newJobId: deps.newJobId,
          listWindowDays: deps.readings.values.iceListWindowDays,
        })
      : handler.handler(params, { relays: deps.relays, now });
  deps.kickCallbacks();
  if (lostAfter) {
    trace.applied = true;
    if (fault === 'timeout') return 'hang';
    throw apiErrors.internal();
  }
  return result;
}

interface FailedCall {
  readonly request: ApiRequest;
  readonly stats: ActionStats | undefined;
  readonly trace: CallTrace;
  readonly requestId: string;
  readonly res: ServerResponse;
}

/** The standard error body; anything but an EmulatedApiError is an emulator bug, logged, 500. */
async function answerError(deps: ApiPipelineDeps, call: FailedCall, error: unknown): Promise<void> {
  const { request, stats, trace, requestId, res } = call;
  const apiError =
    error instanceof EmulatedApiError
      ? error
      : new EmulatedApiError(500, 'InternalError', `emulator bug: ${describeError(error)}`, { cause: error });
  if (!(error instanceof EmulatedApiError))
    deps.log.error('emulator request failed', { action: request.action, error });
  if (!trace.latencyDone) await sleepLatency(deps);
  if (stats !== undefined) stats.errors += 1;
  recordCall(deps, request, trace, apiError.httpStatus, apiError.code);
  sendJson(res, apiError.httpStatus, {
    RequestId: requestId,
    HostId: request.version === ICE_VERSION ? 'ice.aliyuncs.com' : 'live.aliyuncs.com',
    Code: apiError.code,
    Message: apiError.message,
  });
}

function recordCall(
  deps: ApiPipelineDeps,
  request: ApiRequest,
  trace: CallTrace,
  status: number,
  code?: string,
): void {
  deps.ledger.record(
    {
      action: request.action,
      version: request.version,
      params: Object.fromEntries([...request.params].filter(([name]) => name !== 'Signature')),
      at: deps.clock.now(),
      status,
      ...(code === undefined ? {} : { code }),
      ...(trace.accessKeyId === undefined ? {} : { accessKeyId: trace.accessKeyId }),
      ...(trace.scheme === undefined ? {} : { scheme: trace.scheme }),
    },
    trace.applied ?? status === 200,
  );
}

async function sleepLatency(deps: ApiPipelineDeps): Promise<void> {
  const ms = drawLatencyMs(deps.faults.latency, deps.drawLatency);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Dispatch on Version and Action; without a Version, the action name decides the product. */
function resolveHandler(action: string, version: string): ResolvedHandler | undefined {
  const live = version === LIVE_VERSION || version === '' ? LIVE_ACTIONS[action] : undefined;
  if (live !== undefined) return { kind: 'live', handler: live };
  const ice = version === ICE_VERSION || version === '' ? ICE_ACTIONS[action] : undefined;
  if (ice !== undefined) return { kind: 'ice', handler: ice };
  return undefined;
}

/** ICE is regional by host; on one emulator the region comes from RegionId or an `ice.<region>.` Host. */
function iceRegionOf(params: Params, req: IncomingMessage): string | undefined {
  const regionId = params.get('RegionId');
  if (regionId !== undefined && regionId !== '') return regionId;
  const match = /^ice(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com/i.exec(String(req.headers.host ?? ''));
  return match?.[1];
}

function jsonParams(contentType: string, body: Buffer): Array<[string, string]> {
  if (!contentType.includes('application/json') || body.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw apiErrors.invalidParameter('The request body is not valid JSON.', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  return Object.entries(parsed).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ]);
}

function headerString(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0] : value;
}
