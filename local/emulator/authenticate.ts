import type { IncomingHttpHeaders } from 'node:http';
import { EmulatedApiError } from './api-error.js';
import {
  parseUtcSeconds,
  parseV3Authorization,
  sha256Hex,
  signaturesEqual,
  signV1,
  signV3,
  v1StringToSign,
  v3CanonicalRequest,
  v3StringToSign,
} from './signature.js';

/** A request as the verifier needs it. Query and body pairs are already URL-decoded. */
export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Form-body pairs (part of the V1 signed parameters). */
  readonly form: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
}

export interface Authenticated {
  readonly accessKeyId: string;
  readonly scheme: 'v1' | 'v3';
}

/** Timestamps more than this far from the emulator's clock are rejected (InvalidTimeStamp.Expired). */
const TIMESTAMP_WINDOW_MS = 15 * 60_000;

const SIGNATURE_MISMATCH_STATUS = 403;

/**
 * Verifies V3 (ACS3-HMAC-SHA256, `Authorization` header) or V1 (HMAC-SHA1, `Signature`
 * parameter) against the configured AccessKey pairs. Checks, in order: the key exists, the
 * timestamp is within ±15 min of `now`, the signature matches, the nonce is fresh. The nonce is
 * recorded only for a verified request, so a forged request cannot burn a nonce.
 */
export class RequestAuthenticator {
  readonly #secrets: ReadonlyMap<string, string>;
  readonly #nonces = new Map<string, number>();
  #inserts = 0;

  constructor(keys: ReadonlyArray<{ id: string; secret: string }>) {
    this.#secrets = new Map(keys.map((key) => [key.id, key.secret]));
  }

  authenticate(request: SignedRequest, now: number): Authenticated {
    const authorization = headerValue(request.headers, 'authorization');
    if (authorization !== undefined && /^ACS3-HMAC-SHA256\b/.test(authorization.trim())) {
      return this.#verifyV3(request, authorization, now);
    }
    if ([...request.query, ...request.form].some(([name]) => name === 'Signature')) {
      return this.#verifyV1(request, now);
    }
    throw new EmulatedApiError(
      400,
      'MissingParameter',
      'The request is not signed: send an ACS3-HMAC-SHA256 Authorization header or a V1 Signature parameter.',
    );
  }

  #secretOf(accessKeyId: string): string {
    const secret = this.#secrets.get(accessKeyId);
    if (secret === undefined) {
      throw new EmulatedApiError(400, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    }
    return secret;
  }

  #checkTimestamp(raw: string | undefined, name: string, now: number): void {
    if (raw === undefined || raw === '') {
      throw new EmulatedApiError(
        400,
        'MissingParameter',
        `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
      );
    }
    const time = parseUtcSeconds(raw);
    if (time === undefined) {
      throw new EmulatedApiError(
        400,
        'InvalidTimeStamp.Format',
        `Specified time stamp or date value is not well formatted (${name}=${raw}).`,
      );
    }
    if (Math.abs(time - now) > TIMESTAMP_WINDOW_MS) {
      throw new EmulatedApiError(
        400,
        'InvalidTimeStamp.Expired',
        `Specified time stamp or date value is expired (${name}=${raw}, emulator clock ${new Date(now).toISOString()}).`,
      );
    }
  }

  #useNonce(accessKeyId: string, nonce: string | undefined, name: string, now: number): void {
    if (nonce === undefined || nonce === '') {
      throw new EmulatedApiError(
        400,
        'MissingParameter',
        `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
      );
    }
    const key = `${accessKeyId}\n${nonce}`;
    const expires = this.#nonces.get(key);
    if (expires !== undefined && expires > now) {
      throw new EmulatedApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
    // A nonce matters only while its timestamp could still be accepted: keep it twice the window.
    this.#nonces.set(key, now + 2 * TIMESTAMP_WINDOW_MS);
    if (++this.#inserts % 1000 === 0) {
      for (const [stored, until] of this.#nonces) if (until <= now) this.#nonces.delete(stored);
    }
  }

  #verifyV3(request: SignedRequest, authorization: string, now: number): Authenticated {
    const parsed = parseV3Authorization(authorization);
    if (parsed === undefined) {
      throw new EmulatedApiError(
        400,
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards (Authorization header).',
      );
    }
    const secret = this.#secretOf(parsed.accessKeyId);
    this.#checkTimestamp(headerValue(request.headers, 'x-acs-date'), 'x-acs-date', now);
    const bodyHash = sha256Hex(request.body);
    const declared = headerValue(request.headers, 'x-acs-content-sha256');
    if (declared !== undefined && declared.toLowerCase() !== bodyHash) {
      throw new EmulatedApiError(
        SIGNATURE_MISMATCH_STATUS,
        'SignatureDoesNotMatch',
        'Specified signature does not match our calculation: x-acs-content-sha256 is not the SHA-256 of the body.',
      );
    }
    const parts = {
      method: request.method,
      path: request.path,
      query: request.query,
      signedHeaders: parsed.signedHeaders.map(
        (name) => [name, headerValue(request.headers, name) ?? ''] as const,
      ),
      payloadHash: declared?.toLowerCase() ?? bodyHash,
    };
    if (!signaturesEqual(signV3(parts, secret), parsed.signature.toLowerCase())) {
      throw new EmulatedApiError(
        SIGNATURE_MISMATCH_STATUS,
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. server string to sign is:${v3StringToSign(v3CanonicalRequest(parts))}`,
      );
    }
    this.#useNonce(
      parsed.accessKeyId,
      headerValue(request.headers, 'x-acs-signature-nonce'),
      'x-acs-signature-nonce',
      now,
    );
    return { accessKeyId: parsed.accessKeyId, scheme: 'v3' };
  }

  #verifyV1(request: SignedRequest, now: number): Authenticated {
    const all = [...request.query, ...request.form];
    const get = (name: string): string | undefined => all.find(([key]) => key === name)?.[1];
    const accessKeyId = get('AccessKeyId');
    if (accessKeyId === undefined || accessKeyId === '') {
      throw new EmulatedApiError(
        400,
        'MissingParameter',
        'The input parameter "AccessKeyId" that is mandatory for processing this request is not supplied.',
      );
    }
    const secret = this.#secretOf(accessKeyId);
    if (get('SignatureMethod') !== 'HMAC-SHA1') {
      throw new EmulatedApiError(400, 'InvalidParameter', 'SignatureMethod must be HMAC-SHA1.');
    }
    if (get('SignatureVersion') !== '1.0') {
      throw new EmulatedApiError(400, 'InvalidParameter', 'SignatureVersion must be 1.0.');
    }
    this.#checkTimestamp(get('Timestamp'), 'Timestamp', now);
    const signed = all.filter(([name]) => name !== 'Signature');
    const expected = signV1(request.method, signed, secret);
    if (!signaturesEqual(expected, get('Signature') ?? '')) {
      throw new EmulatedApiError(
        SIGNATURE_MISMATCH_STATUS,
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. server string to sign is:${v1StringToSign(request.method, signed)}`,
      );
    }
    this.#useNonce(accessKeyId, get('SignatureNonce'), 'SignatureNonce', now);
    return { accessKeyId, scheme: 'v1' };
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}
