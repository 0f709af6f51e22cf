import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, InvokeError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../../lib/ports/invoker.js';

/**
 * The local host's asynchronous invocation, reachable from another process: what FC's async
 * InvokeFunction is to `livewatch sweep --invoke` in the cloud, this is beside `npm start`.
 * `POST /invoke/<function>` with `Authorization: Bearer <token>` and `x-fc-async-task-id`, the payload
 * as the body; 202 when queued (a reused task id too, as FC's 409 counts as queued), 401 for a wrong
 * token, 404 for an unknown function, 413 over FC's 128 KB async limit.
 *
 * Its own port on 127.0.0.1, apart from the HTTP trigger (which may be tunnelled to receive real
 * callbacks), and a random token that only the 0600 session file carries.
 */
export interface InvokerEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

export async function startInvokerEndpoint(options: {
  readonly invoker: Invoker;
  readonly token: string;
  readonly log: Logger;
}): Promise<InvokerEndpoint> {
  const server = createServer((req, res) => {
    void answer(req, res, options).catch((error: unknown) => {
      options.log.error('invoker endpoint failed to answer', { error: describeError(error) });
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  options: { readonly invoker: Invoker; readonly token: string },
): Promise<void> {
  const match = /^\/invoke\/([A-Za-z0-9_-]{1,64})$/.exec(req.url ?? '');
  if (!match?.[1]) return send(res, 404, { error: 'POST /invoke/<function>' });
  if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
  if (!sameToken(req.headers.authorization, options.token)) return send(res, 401, { error: 'wrong token' });
  const taskId = req.headers['x-fc-async-task-id'];
  if (typeof taskId !== 'string' || taskId === '') {
    return send(res, 400, { error: 'x-fc-async-task-id is required' });
  }
  const body = await readLimited(req, MAX_ASYNC_PAYLOAD_BYTES);
  if (body === undefined) return send(res, 413, { error: `payload over ${MAX_ASYNC_PAYLOAD_BYTES} bytes` });
  try {
    await options.invoker.invokeAsync(match[1], body, taskId);
  } catch (error) {
    if (!(error instanceof InvokeError)) throw error;
    return send(res, /not found/.test(error.message) ? 404 : error.retryable ? 503 : 400, {
      error: error.message,
    });
  }
  return send(res, 202, { queued: true });
}

/** Constant-time compare of `Bearer <token>`. */
function sameToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function readLimited(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
