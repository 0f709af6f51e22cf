import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The two signatures FC 3.0 may see on InvokeFunction: FC's own (`FC <AK>:<sig>`) and ACS3-HMAC-SHA256. */
export type SignatureKind = 'fc' | 'acs3';

export interface ReceivedInvocation {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Which signature scheme the Authorization header used (undefined: neither). */
  readonly signature: SignatureKind | undefined;
  /** Whether that signature matched one recomputed here with the secret, by this file's own code. */
  readonly signatureValid: boolean;
  /** The status this server answered (set once the responder has written it). */
  status: number;
}

export type Responder = (request: ReceivedInvocation, response: ServerResponse) => void;

export interface FcApiServerOptions {
  /** Signature schemes this server accepts; any other answers 403 SignatureNotMatch before the responder runs. */
  readonly accept?: readonly SignatureKind[];
}

/** Clock skew FC tolerates on `Date` / `x-acs-date` (both signature pages: 15 minutes). */
const MAX_SKEW_MS = 15 * 60_000;

/**
 * A loopback stand-in for the FC 3.0 InvokeFunction endpoint. It records each request and checks
 * its signature independently of the SDKs under test, following the published algorithms:
 * - FC signature (https://www.alibabacloud.com/help/en/functioncompute/signature-authentication):
 *   Base64(HMAC-SHA256(secret, METHOD\nContent-MD5\nContent-Type\nDate\n<x-fc-* headers>Path));
 * - ACS3-HMAC-SHA256 (https://help.aliyun.com/document_detail/2593177.html, ROA as in
 *   https://help.aliyun.com/en/functioncompute/fc/developer-reference/signature-mechanism):
 *   hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex SHA-256(canonical request)), with the body's
 *   hash checked against `x-acs-content-sha256` and every `x-acs-*`, `host` and `content-type`
 *   header required among the signed ones.
 * A valid signature of an accepted kind is handed to `respond`; an invalid or refused one gets 403.
 */
export async function startFcApiServer(secret: string, respond: Responder, options: FcApiServerOptions = {}) {
  const accept = options.accept ?? ['fc', 'acs3'];
  const received: ReceivedInvocation[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const signature = signatureKindOf(req.headers.authorization);
      const signatureValid =
        signature === 'fc'
          ? verifyFcSignature(req, url.pathname, secret, body)
          : signature === 'acs3'
            ? verifyAcs3Signature(req, url, secret, body)
            : false;
      const invocation: ReceivedInvocation = {
        method: req.method ?? '',
        path: url.pathname,
        headers: req.headers,
        body: body.toString('utf8'),
        signature,
        signatureValid,
        status: 0,
      };
      received.push(invocation);
      if (!signatureValid || signature === undefined || !accept.includes(signature)) {
        res.writeHead(403, { 'content-type': 'application/json', 'x-fc-request-id': 'r-403' });
        res.end(JSON.stringify({ ErrorCode: 'SignatureNotMatch', ErrorMessage: 'signature rejected' }));
      } else {
        respond(invocation, res);
      }
      invocation.status = res.headersSent ? res.statusCode : 0;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signatureKindOf(authorization: string | undefined): SignatureKind | undefined {
  if (authorization?.startsWith('FC ')) return 'fc';
  if (authorization?.startsWith('ACS3-HMAC-SHA256 ')) return 'acs3';
  return undefined;
}

function headerOf(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function fresh(date: string): boolean {
  const at = Date.parse(date);
  return Number.isFinite(at) && Math.abs(Date.now() - at) <= MAX_SKEW_MS;
}

function same(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

function verifyFcSignature(req: IncomingMessage, path: string, secret: string, body: Buffer): boolean {
  const match = /^FC ([^:]+):(.+)$/.exec(req.headers.authorization ?? '');
  if (!match?.[2] || !fresh(headerOf(req, 'date'))) return false;
  const md5 = headerOf(req, 'content-md5');
  // Content-MD5 is Base64 of the hex MD5 digest, as the FC SDKs send it.
  if (md5 && md5 !== Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64'))
    return false;
  const fcHeaders = Object.keys(req.headers)
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${headerOf(req, name)}\n`)
    .join('');
  const toSign = `${req.method}\n${md5}\n${headerOf(req, 'content-type')}\n${headerOf(req, 'date')}\n${fcHeaders}${decodeURIComponent(path)}`;
  return same(createHmac('sha256', secret).update(toSign, 'utf8').digest('base64'), match[2]);
}

/** RFC 3986 encoding, keeping only A-Z a-z 0-9 - _ . ~ (the V3 page's rule). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function verifyAcs3Signature(req: IncomingMessage, url: URL, secret: string, body: Buffer): boolean {
  const fields = new Map(
    (req.headers.authorization ?? '')
      .replace(/^ACS3-HMAC-SHA256\s+/, '')
      .split(',')
      .map((part) => {
        const eq = part.indexOf('=');
        return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
      }),
  );
  const signedNames = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean);
  const signature = fields.get('Signature') ?? '';
  const bodyHash = createHash('sha256').update(body).digest('hex');
  if (!fields.get('Credential') || headerOf(req, 'x-acs-content-sha256') !== bodyHash) return false;
  if (!fresh(headerOf(req, 'x-acs-date'))) return false;
  const mustSign = Object.keys(req.headers).filter(
    (name) => name.startsWith('x-acs-') || name === 'host' || name === 'content-type',
  );
  if (mustSign.some((name) => !signedNames.includes(name))) return false;
  const sorted = [...signedNames].sort();
  const query = [...url.searchParams]
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .sort()
    .join('&');
  const canonical = [
    req.method,
    url.pathname
      .split('/')
      .map((segment) => encode(decodeURIComponent(segment)))
      .join('/'),
    query,
    sorted.map((name) => `${name}:${headerOf(req, name).trim()}\n`).join(''),
    sorted.join(';'),
    bodyHash,
  ].join('\n');
  const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  return same(createHmac('sha256', secret).update(toSign).digest('hex'), signature);
}
