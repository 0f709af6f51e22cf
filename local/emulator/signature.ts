import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The two Alibaba Cloud RPC signature algorithms, from the verifier's side: V1 (HMAC-SHA1,
 * SignatureVersion 1.0) and V3 (ACS3-HMAC-SHA256). Pure functions so the published test vectors
 * can be checked byte for byte without a server.
 */

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 percent-encoding as the OpenAPI signers use it: keep A-Z a-z 0-9 - _ . ~ only. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Decodes a raw query string (or form body) into ordered pairs. `+` is a space, as in form
 * encoding; malformed escapes are kept literally rather than failing the whole request, so the
 * signature check (not a parser crash) decides.
 */
export function parseQueryPairs(raw: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (raw === '') return pairs;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([safeDecode(name), safeDecode(value)]);
  }
  return pairs;
}

function safeDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Not valid percent-encoding: use the text as sent; the signature will not match.
    return spaced;
  }
}

/** `k=v&…` sorted by name (byte order), both sides RFC 3986-encoded. */
export function canonicalQueryString(params: ReadonlyArray<readonly [string, string]>): string {
  return params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** V1 StringToSign: METHOD & enc("/") & enc(canonical query). */
export function v1StringToSign(method: string, params: ReadonlyArray<readonly [string, string]>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQueryString(params))}`;
}

/** V1 signature: Base64(HMAC-SHA1(secret + "&", StringToSign)). `params` excludes `Signature`. */
export function signV1(
  method: string,
  params: ReadonlyArray<readonly [string, string]>,
  accessKeySecret: string,
): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(v1StringToSign(method, params)).digest('base64');
}

export interface V3RequestParts {
  readonly method: string;
  /** The request path, e.g. `/`. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Lower-case header names → values, exactly the signed ones. */
  readonly signedHeaders: ReadonlyArray<readonly [string, string]>;
  /** Hex SHA-256 of the body, as the client declared it in `x-acs-content-sha256`. */
  readonly payloadHash: string;
}

export function v3CanonicalRequest(parts: V3RequestParts): string {
  const headers = [...parts.signedHeaders]
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalHeaders = headers.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaderNames = headers.map(([name]) => name).join(';');
  return [
    parts.method.toUpperCase(),
    parts.path === '' ? '/' : parts.path,
    canonicalQueryString(parts.query),
    canonicalHeaders,
    signedHeaderNames,
    parts.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function v3StringToSign(canonicalRequest: string): string {
  return `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
}

/** V3 signature: hex HMAC-SHA256(secret, StringToSign). */
export function signV3(parts: V3RequestParts, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret)
    .update(v3StringToSign(v3CanonicalRequest(parts)))
    .digest('hex');
}

export interface V3Authorization {
  readonly accessKeyId: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=a;b,Signature=…`; undefined if malformed. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const match = /^ACS3-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!match?.[1]) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || signedHeaders === undefined || !signature) return undefined;
  return {
    accessKeyId,
    signedHeaders: signedHeaders
      .split(';')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
    signature,
  };
}

/** Constant-time comparison of two signatures (different lengths never match). */
export function signaturesEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** UTC `yyyy-MM-ddTHH:mm:ssZ` (the only format the APIs accept), to epoch ms; undefined if malformed. */
export function parseUtcSeconds(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2024-02-30 over to March; a real calendar date formats back to itself.
  return formatUtcSeconds(ms) === text ? ms : undefined;
}

/** Epoch ms to UTC `yyyy-MM-ddTHH:mm:ssZ`. */
export function formatUtcSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
