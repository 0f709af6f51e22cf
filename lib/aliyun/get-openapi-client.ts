import { createHash } from 'node:crypto';
import * as OpenApiSdk from '@alicloud/openapi-client';
import { OpenApi, type OpenApiClass } from '../openapi-sdk.js';
import type { Credentials } from '../ports/credentials.js';

export type OpenApiClient = InstanceType<OpenApiClass>;

export interface OpenApiTarget {
  readonly credentials: Credentials;
  /** Bare host or host:port — the SDK does no endpoint resolution and takes no scheme. */
  readonly endpoint: string;
  readonly protocol: 'http' | 'https';
  readonly signature: 'v3' | 'v1';
}

const MAX_CACHED = 32;
const cache = new Map<string, OpenApiClient>();

function cacheKey(target: OpenApiTarget): string {
  // Hash rather than keep the secret and STS token in a readable key.
  return createHash('sha256')
    .update(
      JSON.stringify([
        target.credentials.accessKeyId,
        target.credentials.accessKeySecret,
        target.credentials.securityToken ?? '',
        target.endpoint,
        target.protocol,
        target.signature,
      ]),
    )
    .digest('hex');
}

/**
 * One SDK client per (credentials, endpoint, protocol, signature), cached so that building an
 * AliyunClient for every invocation (with that invocation's fresh STS token) stays cheap. A new
 * STS token is a new entry; the oldest entries are evicted.
 *
 * The SDK's own retry (`autoretry`) never retries and its timeouts default to 3 s: both are
 * handled per call by livewatch, so only identity and endpoint are set here.
 */
export function getOpenApiClient(target: OpenApiTarget): OpenApiClient {
  const key = cacheKey(target);
  const cached = cache.get(key);
  if (cached) {
    // Re-insert to keep the map in least-recently-used order.
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const client = new OpenApi(
    new OpenApiSdk.Config({
      accessKeyId: target.credentials.accessKeyId,
      accessKeySecret: target.credentials.accessKeySecret,
      ...(target.credentials.securityToken ? { securityToken: target.credentials.securityToken } : {}),
      endpoint: target.endpoint,
      protocol: target.protocol.toUpperCase(),
      // 'v2' selects the RPC HMAC-SHA1 signer (wire SignatureVersion 1.0); unset means V3.
      ...(target.signature === 'v1' ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
  cache.set(key, client);
  while (cache.size > MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return client;
}
