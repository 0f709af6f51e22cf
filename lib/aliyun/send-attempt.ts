import { randomUUID } from 'node:crypto';
import { OpenApiRequest, Params } from '@alicloud/openapi-client';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { ActionSpec } from './actions.js';
import type { OpenApiClient } from './get-openapi-client.js';
import { takeResponse, watchResponse } from './observe-responses.js';
import type { CallAnswer } from './rate-limiter.js';
import type { WireParams } from './request-schemas.js';
import type { AttemptResult } from './retry-call.js';
import { isThrottlingCode, translateSdkError } from './translate-sdk-error.js';

export interface AttemptTarget {
  readonly api: OpenApiClient;
  readonly spec: ActionSpec;
  readonly params: WireParams;
  readonly protocol: 'http' | 'https';
  readonly signature: 'v3' | 'v1';
}

/** The SDK's description of an RPC action (all of livewatch's are RPC, pathname `/`, form + JSON). */
function sdkParamsOf(spec: ActionSpec, protocol: 'http' | 'https'): Params {
  return new Params({
    action: spec.action,
    version: spec.version,
    protocol: protocol.toUpperCase(),
    pathname: '/',
    method: spec.method,
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
}

/**
 * Sends one attempt with an explicit timeout and translates a failure (never throws for an API or
 * transport failure). Our own nonce lets observe-responses.ts find this request's status and headers.
 */
export async function sendAttempt(
  target: AttemptTarget,
  timeoutMs: number,
  attempt: number,
  env: { readonly clock: Clock; readonly log: Logger },
): Promise<AttemptResult> {
  const { spec, params, signature } = target;
  const nonce = randomUUID().replaceAll('-', '');
  const query: Record<string, string> = spec.paramsIn === 'query' ? { ...params } : {};
  if (signature === 'v1') query.SignatureNonce = nonce;
  const request = new OpenApiRequest({
    query,
    ...(spec.paramsIn === 'body' ? { body: params } : {}),
    ...(signature === 'v3' ? { headers: { 'x-acs-signature-nonce': nonce } } : {}),
  });
  watchResponse(nonce);
  const sentAt = env.clock.now();
  try {
    // The SDK types RuntimeOptions as a model class but only reads these plain fields.
    const result = await target.api.callApi(sdkParamsOf(spec, target.protocol), request, {
      readTimeout: timeoutMs,
      connectTimeout: timeoutMs,
    } as Parameters<OpenApiClient['callApi']>[2]);
    const observed = takeResponse(nonce);
    env.log.debug('aliyun call', { action: spec.action, attempt: attempt + 1, ms: env.clock.now() - sentAt });
    const answer: CallAnswer =
      observed?.roundTripMs === undefined ? {} : { roundTripMs: observed.roundTripMs };
    return { ok: true, body: (result as { body?: unknown }).body, answer };
  } catch (thrown) {
    const observed = takeResponse(nonce);
    const error = translateSdkError(spec.action, thrown, observed);
    env.log.debug('aliyun call failed', {
      action: spec.action,
      attempt: attempt + 1,
      ms: env.clock.now() - sentAt,
      code: error.code,
      httpStatus: error.httpStatus,
    });
    // Honour the server's x-acs-retry-after when it sent one (it is at least as long as our backoff).
    const retryAfterMs = observed?.retryAfterMs ?? 0;
    // Only an HTTP answer tells the limiter anything; a timeout or reset may have arrived at any time.
    const answer: CallAnswer | undefined =
      error.httpStatus === undefined
        ? undefined
        : {
            throttled: isThrottlingCode(error.code),
            ...(retryAfterMs > 0 ? { retryAfterMs } : {}),
            ...(observed?.roundTripMs === undefined ? {} : { roundTripMs: observed.roundTripMs }),
          };
    return { ok: false, error, retryAfterMs, answer };
  }
}
