import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedInvocation {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Whether `Authorization: FC <AK>:<sig>` matched a signature recomputed here with the secret. */
  readonly signatureValid: boolean;
  /** The status this server answered (set once the responder has written it). */
  status: number;
}

export type Responder = (request: ReceivedInvocation, response: ServerResponse) => void;

/**
 * A loopback stand-in for the FC 3.0 InvokeFunction endpoint: records each request and checks the
 * FC2-style signature independently of the SDK (HMAC-SHA256 over method, Content-MD5, Content-Type,
 * Date, the sorted x-fc-* headers and the path).
 */
export async function startFcApiServer(secret: string, respond: Responder) {
  const received: ReceivedInvocation[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://localhost');
      const invocation: ReceivedInvocation = {
        method: req.method ?? '',
        path: url.pathname,
        headers: req.headers,
        body,
        signatureValid: verifySignature(req, url.pathname, secret, body),
        status: 0,
      };
      received.push(invocation);
      respond(invocation, res);
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

function verifySignature(req: IncomingMessage, path: string, secret: string, body: string): boolean {
  const authorization = req.headers.authorization ?? '';
  const match = /^FC ([^:]+):(.+)$/.exec(authorization);
  if (!match) return false;
  const header = (name: string): string => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : (value ?? '');
  };
  const md5 = header('content-md5');
  if (md5 && md5 !== Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64'))
    return false;
  const fcHeaders = Object.keys(req.headers)
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${header(name)}\n`)
    .join('');
  const toSign = `${req.method}\n${md5}\n${header('content-type')}\n${header('date')}\n${fcHeaders}${path}`;
  const expected = createHmac('sha256', secret).update(toSign, 'utf8').digest('base64');
  return match[2] === expected;
}
