import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A one-way delay: fixed ms, or drawn uniformly from [min, max] for every chunk. */
export type OneWayDelay = number | readonly [number, number];

export interface DelayProxy {
  /** 127.0.0.1:PORT, to use in place of the target's endpoint. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * A TCP proxy on a free loopback port that holds every chunk back by a delay in each direction
 * before passing it on, in order: a network path with an uplink (before the server sees the request)
 * and a downlink (before we see the answer). The emulator's own latency is spent after it has
 * counted a call, so without this the way to the server would cost nothing.
 */
export async function startDelayProxy(
  target: string,
  delays: { readonly up: OneWayDelay; readonly down: OneWayDelay },
): Promise<DelayProxy> {
  const [host, port] = splitEndpoint(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, delays.up);
    relay(upstream, client, delays.down);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('delay proxy: no TCP address');
  return {
    endpoint: `127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Passes `from`'s bytes to `to`, each chunk after its delay but never before the chunk ahead of it. */
function relay(from: Socket, to: Socket, delay: OneWayDelay): void {
  let lastAt = 0;
  const schedule = (action: () => void): void => {
    const at = Math.max(performance.now() + draw(delay), lastAt);
    lastAt = at;
    setTimeout(action, at - performance.now());
  };
  from.on('data', (chunk) => schedule(() => to.destroyed || to.write(chunk)));
  from.on('end', () => schedule(() => to.end()));
}

function draw(delay: OneWayDelay): number {
  if (typeof delay === 'number') return delay;
  const [min, max] = delay as readonly [number, number];
  return min + Math.random() * (max - min);
}

function splitEndpoint(endpoint: string): [string, number] {
  const at = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, at), Number(endpoint.slice(at + 1))];
}
