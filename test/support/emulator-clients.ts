import { createRequire } from 'node:module';
import type OpenApiModule from '@alicloud/openapi-client';
import { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import RPCClient from '@alicloud/pop-core';
import type { Emulator } from '../../local/emulator/index.js';

/**
 * The two official signing clients pointed at an emulator, the way livewatch and its users call
 * the real endpoints: `@alicloud/openapi-client` (V3 by default, `signatureAlgorithm: 'v2'` for
 * V1 HMAC-SHA1) and `@alicloud/pop-core` (V1).
 */
const require = createRequire(import.meta.url);
// The package is CommonJS with `exports.default = Client`; ESM interop hands us module.exports.
const OpenApiClient = (require('@alicloud/openapi-client') as { default: typeof OpenApiModule.default })
  .default;

export type Signer = 'v3' | 'v2' | 'pop';

// A plain object is a valid RuntimeOptions (all fields optional); the class only adds tea's Model base.
const runtimeOptions = {} as Parameters<InstanceType<typeof OpenApiClient>['callApi']>[2];

export interface CallOptions {
  readonly method?: 'GET' | 'POST';
  readonly version?: string;
  /** Parameters sent in a form body instead of the query (ICE SubmitLiveRecordJob). */
  readonly body?: Record<string, string>;
  /** How openapi-client encodes `body`: a form (the SDKs' choice) or JSON. */
  readonly reqBodyType?: 'formData' | 'json';
  readonly accessKey?: { id: string; secret: string };
  readonly readTimeoutMs?: number;
  /** Extra query parameters / headers that override what the client generates (e.g. a fixed nonce). */
  readonly headers?: Record<string, string>;
}

export interface CallResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A failed call, normalised across the clients: the API's Code, and the HTTP status when known. */
export interface CallFailure {
  readonly code: string;
  readonly status: number | undefined;
  readonly message: string;
}

const LIVE = '2016-11-01';

/** What a caller needs of an emulator (an in-process one, or one started by the CLI). */
export type EmulatorTarget = Pick<Emulator, 'url' | 'endpoint' | 'accessKey'>;

export async function callApi(
  emulator: EmulatorTarget,
  signer: Signer,
  action: string,
  query: Record<string, string>,
  options: CallOptions = {},
): Promise<CallResult> {
  const key = options.accessKey ?? emulator.accessKey;
  const version = options.version ?? LIVE;
  const method = options.method ?? 'GET';
  if (signer === 'pop') {
    const client = new RPCClient({
      endpoint: emulator.url,
      apiVersion: version,
      accessKeyId: key.id,
      accessKeySecret: key.secret,
    });
    const body = await client.request<Record<string, unknown>>(
      action,
      { ...query, ...options.body },
      { method, timeout: options.readTimeoutMs ?? 3000, formatParams: false },
    );
    return { status: 200, body };
  }
  const client = new OpenApiClient(
    new Config({
      accessKeyId: key.id,
      accessKeySecret: key.secret,
      endpoint: emulator.endpoint,
      protocol: 'HTTP',
      ...(signer === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
      readTimeout: options.readTimeoutMs ?? 3000,
      connectTimeout: 3000,
    }),
  );
  const params = new Params({
    action,
    version,
    protocol: 'HTTP',
    pathname: '/',
    method,
    authType: 'AK',
    style: 'RPC',
    reqBodyType: options.reqBodyType ?? 'formData',
    bodyType: 'json',
  });
  const request = new OpenApiRequest({
    query,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  const response = (await client.callApi(params, request, runtimeOptions)) as {
    statusCode: number;
    body: Record<string, unknown>;
  };
  return { status: response.statusCode, body: response.body };
}

/** Runs a call (callApi's arguments) expected to fail and returns its Code/status (throws if it succeeds). */
export async function callApiError(...call: Parameters<typeof callApi>): Promise<CallFailure> {
  const action = call[2];
  try {
    const result = await callApi(...call);
    throw new Error(`expected ${action} to fail, got ${JSON.stringify(result.body)}`);
  } catch (error) {
    const failure = error as {
      code?: unknown;
      statusCode?: unknown;
      data?: { statusCode?: unknown };
      message?: unknown;
    };
    if (typeof failure.code !== 'string') throw error;
    const status =
      typeof failure.statusCode === 'number'
        ? failure.statusCode
        : typeof failure.data?.statusCode === 'number'
          ? failure.data.statusCode
          : undefined;
    return { code: failure.code, status, message: String(failure.message) };
  }
}
