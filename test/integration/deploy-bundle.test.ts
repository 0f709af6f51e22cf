import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFcApiServer } from '../support/fc-api-server.js';
import { type RedisServer, redisServerMissingReason, startRedisServer } from '../support/redis-server.js';

/**
 * What `s deploy` uploads is dist/: one ESM bundle per function. These tests build it, copy it to a
 * directory with no node_modules (as in FC, where only the bundle exists), and run the handlers
 * there in a fresh Node process against a real Redis — the store FC uses.
 */
const run = promisify(execFile);
const TOKEN = 'bundle-test-token-0123456789';

let bundleDir: string;
let redis: RedisServer | undefined;

const ROLE_SECRET = 'role-sts-secret-0123456789';

async function invoke(
  fn: string,
  event: unknown,
  env: Record<string, string>,
  where: { dir: string; cwd: string } = { dir: bundleDir, cwd: bundleDir },
): Promise<unknown> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(where.dir, `${fn}.js`)).href)});
    const credentials = { accessKeyId: 'STS.role-key', accessKeySecret: '${ROLE_SECRET}', securityToken: 'sts-token' };
    const context = { requestId: 'r-1', region: 'cn-shanghai', accountId: '123', credentials };
    const result = await handler(Buffer.from(process.env.EVENT), context);
    // The runtime keeps its store connection open for the next invocation, as in a warm FC instance.
    process.stdout.write(JSON.stringify(result), () => process.exit(0));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: where.cwd,
    env: { PATH: process.env.PATH ?? '', EVENT: JSON.stringify(event), LIVEWATCH_LOG_LEVEL: 'error', ...env },
    timeout: 20_000,
  });
  return JSON.parse(stdout);
}

function httpEvent(method: string, path: string, body = ''): unknown {
  return {
    version: 'v1',
    rawPath: path,
    body,
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/json' },
    queryParameters: {},
    requestContext: {
      accountId: '123',
      domainName: 'x.cn-shanghai.fcapp.run',
      domainPrefix: 'x',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r-1',
      time: '2026-11-21T00:00:00Z',
      timeEpoch: '1795219200000',
    },
  };
}

beforeAll(async () => {
  await run(process.execPath, ['scripts/build.mjs'], { timeout: 120_000 });
  bundleDir = await mkdtemp(join(tmpdir(), 'livewatch-bundle-'));
  await cp('dist', bundleDir, { recursive: true });
  if (!redisServerMissingReason()) redis = await startRedisServer();
}, 180_000);

afterAll(async () => {
  await redis?.stop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

describe('the deployable bundles', () => {
  it.each(['callback', 'poller', 'alert'])(
    '%s.js loads without node_modules and exports a handler',
    async (fn) => {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import('./${fn}.js'); process.stdout.write(typeof m.handler);`,
        ],
        { cwd: bundleDir, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 },
      );
      expect(stdout).toBe('function');
    },
  );

  it('serves the callback function against Redis, or says 503 when the store is unreachable', async () => {
    const storeUrl = redis?.url ?? 'redis://127.0.0.1:1/0';
    const env = { LIVEWATCH_STORE_URL: storeUrl, LIVEWATCH_CALLBACK_TOKENS: TOKEN };
    const health = (await invoke('callback', httpEvent('GET', '/healthz'), env)) as { statusCode: number };
    expect(health.statusCode).toBe(redis ? 200 : 503);
    const forged = (await invoke(
      'callback',
      httpEvent('POST', '/callback/wrong-token-000000000', '{}'),
      env,
    )) as {
      statusCode: number;
    };
    expect(forged.statusCode).toBe(redis ? 401 : 503);
  });

  it('names the bad setting when the function is misconfigured', async () => {
    const result = (await invoke('callback', httpEvent('GET', '/healthz'), {
      LIVEWATCH_STORE_URL: 'mysql://x',
    })) as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('mysql://x');
  });

  it('is small: each bundle ≤ 1.5 MB, no source maps uploaded, nothing but the bundles and package.json', async () => {
    expect((await readdir(bundleDir)).sort()).toEqual([
      'alert.js',
      'callback.js',
      'package.json',
      'poller.js',
    ]);
    for (const fn of ['callback', 'poller', 'alert']) {
      expect((await stat(join(bundleDir, `${fn}.js`))).size).toBeLessThanOrEqual(1.5 * 1024 * 1024);
      expect(await readFile(join(bundleDir, `${fn}.js`), 'utf8')).not.toContain('sourceMappingURL');
    }
  });

  it.each(['acs3', 'fc'] as const)(
    'the bundled callback hands an event to the alert function with a valid %s signature (fc2 and openapi-client survive bundling)',
    async (signature) => {
      if (!redis) {
        // The callback needs its store; without redis-server this leg cannot run (CI always has it).
        console.warn(`[deploy-bundle] ${signature} invocation leg not run: ${redisServerMissingReason()}`);
        expect(process.env.CI).toBeFalsy();
        return;
      }
      const fc = await startFcApiServer(ROLE_SECRET, (_request, response) => {
        response.writeHead(202, { 'content-type': 'application/json' }).end();
      });
      try {
        const body = JSON.stringify({
          Event: 'LivePullToPushOffline',
          EventTime: String(Math.floor(Date.now() / 1000)),
          TaskId: `bundle-task-${signature}`,
          TaskStatus: 3,
          TaskInvalidReason: 'PullStreamFailed',
        });
        const result = (await invoke('callback', httpEvent('POST', `/callback/${TOKEN}`, body), {
          LIVEWATCH_STORE_URL: redis.url,
          LIVEWATCH_REDIS_PREFIX: `bundle-${signature}:`,
          LIVEWATCH_CALLBACK_TOKENS: TOKEN,
          LIVEWATCH_FC_ENDPOINT: fc.url,
          LIVEWATCH_FC_SIGNATURE: signature,
        })) as { statusCode: number };
        expect(result.statusCode).toBe(200);
        expect(fc.received.map((r) => [r.path, r.signature, r.signatureValid, r.status])).toEqual([
          ['/2023-03-30/functions/livewatch-alert/invocations', signature, true, 202],
        ]);
      } finally {
        await fc.close();
      }
    },
  );

  it('carries LIVEWATCH_ROUTES_FILE into the code package: the build copies it beside the bundles, where the functions find it', async () => {
    // A path relative to the project, as a deployer keeps it next to s.yaml; built as s.yaml's pre-deploy does.
    const routes = 'test/fixtures/deploy/config/routes.yaml';
    const withRoutes = await mkdtemp(join(tmpdir(), 'livewatch-bundle-routes-'));
    const elsewhere = await mkdtemp(join(tmpdir(), 'livewatch-cwd-'));
    try {
      await run(process.execPath, ['scripts/build.mjs'], {
        env: { PATH: process.env.PATH ?? '', LIVEWATCH_ROUTES_FILE: routes },
        timeout: 120_000,
      });
      await cp('dist', withRoutes, { recursive: true });
      expect(await readFile(join(withRoutes, routes), 'utf8')).toContain('ops-slack');

      const env = {
        LIVEWATCH_STORE_URL: redis?.url ?? 'redis://127.0.0.1:1/0',
        LIVEWATCH_CALLBACK_TOKENS: TOKEN,
        LIVEWATCH_ROUTES_FILE: routes,
      };
      const healthy = redis ? 200 : 503;
      // In the code directory, and from any other working directory (FC's is not documented).
      for (const cwd of [withRoutes, elsewhere]) {
        const health = (await invoke('callback', httpEvent('GET', '/healthz'), env, {
          dir: withRoutes,
          cwd,
        })) as {
          statusCode: number;
        };
        expect(health.statusCode, cwd).toBe(healthy);
      }
      // The package built without it fails at start-up, naming the setting.
      const missing = (await invoke('callback', httpEvent('GET', '/healthz'), env)) as {
        statusCode: number;
        body: string;
      };
      expect(missing.statusCode).toBe(500);
    } finally {
      for (const dir of [withRoutes, elsewhere]) await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
