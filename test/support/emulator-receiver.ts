import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local callback receiver (node:http on port 0) that records every POST body and answers with
 * a status chosen per request, so tests can make deliveries fail and watch the retries.
 */
export interface Receiver {
  readonly url: string;
  readonly bodies: Array<Record<string, unknown>>;
  /** Status for the next requests, in order; afterwards `defaultStatus`. */
  respondWith(...statuses: number[]): void;
  defaultStatus: number;
  /** While on, hold every answer (to exercise the sender's timeout). */
  hang(on: boolean): void;
  /** Resolves once at least `n` bodies have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const bodies: Array<Record<string, unknown>> = [];
  const queued: number[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let hanging = false;
  const receiver = {
    url: '',
    bodies,
    defaultStatus: 200,
    respondWith: (...statuses: number[]) => {
      queued.push(...statuses);
    },
    hang: (on: boolean) => {
      hanging = on;
    },
    waitFor: (n: number) =>
      bodies.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  } satisfies Omit<Receiver, 'url'> & { url: string };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      for (const waiter of waiters.filter((w) => bodies.length >= w.n)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      if (hanging) return;
      res.writeHead(queued.shift() ?? receiver.defaultStatus, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback/test-token`;
  return receiver;
}
