import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli-process.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

/**
 * A store that cannot be opened is named (its URL, password masked) with the cause in words,
 * as `livewatch status` prints it, and nothing is created.
 */
let dir: string;
let redis: RedisServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livewatch-store-errors-'));
  // redis-server is installed by .ci/run (README: Development).
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function statusWith(storeUrl: string) {
  return runCli(['status'], { cwd: dir, env: cleanEnv({ LIVEWATCH_STORE_URL: storeUrl }) });
}

describe('store errors name the store and the cause', () => {
  it('a SQLite path through a file: "is a file, not a directory"', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'not a directory');
    const result = await statusWith(`sqlite:${file}/state.db`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `livewatch status: state store sqlite:${file}/state.db unavailable during open: ${file} is a file, not a directory (EEXIST)\n`,
    );
  });

  it('a file that is not a database: "not an SQLite database"', async () => {
    const file = join(dir, 'garbage.db');
    await writeFile(file, 'x'.repeat(8192));
    const result = await statusWith(`sqlite:${file}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^livewatch status: state store sqlite:\S+garbage\.db unavailable during open: not an SQLite database \(SQLITE_NOTADB\)\n$/,
    );
  });

  it('Redis down: "connection refused", the password masked', async () => {
    const port = await closedPort();
    const result = await statusWith(`redis://admin:s3cret-pass@127.0.0.1:${port}/0`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `livewatch status: state store redis://admin:***@127.0.0.1:${port}/0 unavailable during open: connection refused (ECONNREFUSED)\n`,
    );
  });

  it('Redis with a wrong user and password: "authentication failed"', async () => {
    const url = redis.url.replace('redis://', 'redis://nobody:wrong-pass@');
    const result = await statusWith(`${url}/0`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /unavailable during open: authentication failed: check the user and password \(WRONGPASS\)\n$/,
    );
    expect(result.stderr).not.toContain('wrong-pass');
  });
});
