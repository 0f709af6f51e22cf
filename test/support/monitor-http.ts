import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toHttpResponse } from '../../lib/fc/to-http-response.js';
import type { HttpRequest } from '../../lib/ports/http-request.js';
import type { HttpResponse } from '../../lib/ports/http-response.js';

export interface LoopbackServer {
  readonly url: string;
  readonly received: Array<{ path: string; query: string; body: string }>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A plain receiver (the task owner's own callback endpoint) that records what it gets and answers 200. */
export async function startRecordingReceiver(): Promise<LoopbackServer> {
  const received: LoopbackServer['received'] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const url = new URL(request.url ?? '/', 'http://x');
      received.push({ path: url.pathname, query: url.search, body: body.toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  const url = await listen(server);
  return { url, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Serves a livewatch core handler (`HttpRequest` → `HttpResponse`) over loopback, as the callback
 * function's HTTP trigger does, with errors mapped by lib/fc's toHttpResponse. The handler is read
 * on every request so a test can bind it after the server has its port.
 */
export async function startCoreServer(
  handler: () => (request: HttpRequest) => Promise<HttpResponse>,
): Promise<LoopbackServer> {
  const received: LoopbackServer['received'] = [];
  const server = createServer((incoming, response) => {
    void (async () => {
      const body = await readBody(incoming);
      const url = new URL(incoming.url ?? '/', 'http://x');
      received.push({ path: url.pathname, query: url.search, body: body.toString('utf8') });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
      }
      const request: HttpRequest = {
        method: (incoming.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        headers,
        query: Object.fromEntries(url.searchParams.entries()),
        body,
      };
      let answer: HttpResponse;
      try {
        answer = await handler()(request);
      } catch (error) {
        answer = toHttpResponse(error);
      }
      response.writeHead(answer.statusCode, { ...answer.headers }).end(answer.body);
    })();
  });
  const url = await listen(server);
  return { url, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
