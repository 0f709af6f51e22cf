import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

/**
 * A real, throwaway redis-server for integration tests: free loopback port, no persistence.
 * `REDIS_SERVER_BIN` overrides the binary (default: `redis-server` on PATH).
 */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** The redis-server process id (e.g. to SIGSTOP it and simulate a hung server). */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL if it lingers) and resolves once it has exited. */
  stop(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** Why redis-server cannot be used here, or undefined when it can. */
export function redisServerMissingReason(): string | undefined {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (probe.error) return `${BINARY} not runnable: ${probe.error.message}`;
  if (probe.status !== 0) return `${BINARY} --version exited with ${String(probe.status)}`;
  return undefined;
}

/** Binds port 0, reads the port the OS chose, and frees it for redis-server. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/** Sends a raw RESP PING and resolves with the reply line. */
function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.trim());
      }
    });
    socket.on('error', reject);
  });
}

/** Resolves when the server logs that it accepts connections; rejects if it exits first. */
function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`redis-server exited (${String(code)}) before it was ready:\n${output.slice(-2000)}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/**
 * Starts redis-server on a free loopback port (or `options.port`, e.g. to restart one) with persistence
 * off, and waits until it answers PING.
 * @example const redis = await startRedisServer(); … await redis.stop();
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  // A port freed by another process can be taken between our probe and redis-server binding it; retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    const child = spawn(
      BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await waitForReady(child);
      const reply = await ping(port);
      if (reply !== '+PONG') throw new Error(`redis-server answered PING with ${reply}`);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      continue;
    }
    child.stdout?.resume();
    child.stderr?.resume();
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      },
    };
  }
  throw new Error(`could not start redis-server after 3 attempts: ${String(lastError)}`);
}

/**
 * Polls the real condition (the client's own reconnect after a restarted redis-server) until the
 * store answers; bounded, no fixed sleep.
 */
export async function waitForStore(ping: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
