import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as pollerHandler } from '../../functions/poller/index.js';
import { loadConfig } from '../../lib/config/config.js';
import type { DoctorReport } from '../../lib/doctor/doctor-report.js';
import { createLogger } from '../../lib/log.js';
import { createRuntime, installRuntime } from '../../lib/runtime.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { type ChatSinks, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { type CliResult, cleanEnv, expectSuccess, runCli } from '../support/cli-process.js';
import { emulatorEnv } from '../support/emulator-stack.js';
import { startFcApiServer } from '../support/fc-api-server.js';

function runDoctor(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runCli(['doctor', ...args], { env: cleanEnv(env) });
}

const statusOf = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.check, c.status]));

describe('livewatch doctor (CLI, spawned against the emulator, local chat sinks and a store)', () => {
  let emulator: Emulator;
  let sinks: ChatSinks;
  let dir: string;
  let env: Record<string, string>;
  let closeFc: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 200 });
    emulator.addTask({ taskName: 'ok' });
    sinks = await startChatSinks();
    dir = await mkdtemp(join(tmpdir(), 'livewatch-doctor-'));
    env = {
      ...emulatorEnv(emulator, dir),
      LIVEWATCH_CALLBACK_TOKENS: 'doctor-token-0123456789',
      LIVEWATCH_SLACK_WEBHOOK: sinks.urls.slack,
    };
  });
  afterEach(async () => {
    await closeFc?.();
    closeFc = undefined;
  });
  afterAll(async () => {
    await sinks.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fcServer(respond: Parameters<typeof startFcApiServer>[1]) {
    const fc = await startFcApiServer(emulator.accessKey.secret, respond);
    closeFc = fc.close;
    return fc;
  }

  it('checks every part, invokes the alert function with an empty batch, prints a table, exits 0', async () => {
    const fc = await fcServer((_req, res) => res.writeHead(202).end());
    const result = await runDoctor([], {
      ...env,
      LIVEWATCH_ACCOUNT_ID: '1234567890',
      LIVEWATCH_FC_ENDPOINT: fc.url,
    });
    expectSuccess(result);
    expect(result.stdout).toMatch(/^livewatch doctor \(local\)\ncheck\s+status\s+detail\n/);
    expect(result.stdout).toMatch(/store\s+ok\s+sqlite reachable, schema version \d+/);
    expect(result.stdout).toMatch(
      /credentials live cn-shanghai\s+ok\s+DescribeLivePullToPushList: 1 relay task/,
    );
    expect(result.stdout).toMatch(/credentials ice cn-shanghai\s+ok\s+ListLiveRecordJobs/);
    expect(result.stdout).toMatch(/channel slack\s+ok\s+configured \(--send-test sends a test message\)/);
    expect(result.stdout).toMatch(/invoke livewatch-alert\s+ok/);
    expect(
      fc.received.map((r) => [r.path, r.headers['x-fc-invocation-type'], r.body, r.signatureValid]),
    ).toEqual([['/2023-03-30/functions/livewatch-alert/invocations', 'Async', '[]', true]]);
    expect(sinks.received.slack).toHaveLength(0);
    expect(result.stdout).not.toContain(emulator.accessKey.secret);
  });

  it('--send-test delivers a test message to each configured channel', async () => {
    const result = await runDoctor(['--send-test', '--json'], env);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(statusOf(report)['channel slack']).toBe('ok');
    expect(sinks.received.slack).toHaveLength(1);
    expect(JSON.stringify(sinks.received.slack[0])).toContain('livewatch test message');
    // Without an FC account the alert path is not checked, and says how to check it.
    expect(report.checks.find((c) => c.check === 'invoke livewatch-alert')).toMatchObject({
      status: 'skip',
      detail: expect.stringContaining('LIVEWATCH_ACCOUNT_ID'),
    });
    expect(result.code).toBe(0);
  });

  it('names what is broken and exits 1: a wrong AccessKey secret, an unreachable store, a refused invocation', async () => {
    const fc = await fcServer((_req, res) => res.writeHead(202).end());
    const result = await runDoctor(['--json'], {
      ...env,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-emulator-secret-0000',
      LIVEWATCH_STORE_URL: 'redis://127.0.0.1:1/0',
      LIVEWATCH_ACCOUNT_ID: '1234567890',
      LIVEWATCH_FC_ENDPOINT: fc.url,
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DoctorReport;
    expect(statusOf(report)).toMatchObject({
      settings: 'ok',
      store: 'fail',
      'credentials live cn-shanghai': 'fail',
      'credentials ice cn-shanghai': 'fail',
      'invoke livewatch-alert': 'fail',
    });
    expect(report.checks.find((c) => c.check === 'invoke livewatch-alert')?.detail).toContain('403');
    expect(result.stdout).not.toContain('not-the-emulator-secret-0000');
  });

  it('names each bad setting and exits 1 before touching anything', async () => {
    const result = await runDoctor([], { ...env, LIVEWATCH_LIVE_REGIONS: 'cn-mars' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/settings\s+fail\s+LIVEWATCH_LIVE_REGIONS: /);
  });

  it('--deployed runs the checks inside the poller function (FC InvokeFunction, Sync; again while a sweep holds it) and prints its report', async () => {
    // The loopback FC API hands the synchronous invocation to the real poller handler, whose runtime
    // is built from the *function's* settings (a store of its own, the role's keys from the context).
    const functionDir = await mkdtemp(join(tmpdir(), 'livewatch-doctor-fn-'));
    const context = {
      requestId: 'r-doctor',
      region: 'cn-shanghai',
      accountId: '1234567890',
      credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
    };
    let busyOnce = true;
    const fc = await fcServer((req, res) => {
      if (req.path === '/2023-03-30/functions/livewatch-alert/invocations') {
        res.writeHead(202).end();
        return;
      }
      if (req.headers['x-fc-invocation-type'] !== 'Sync') {
        res.writeHead(400).end();
        return;
      }
      if (busyOnce) {
        // A sweep holds the poller's one instance: FC refuses the second (reserved concurrency 1).
        busyOnce = false;
        res.writeHead(429, { 'content-type': 'application/json' }).end('{"ErrorCode":"ResourceThrottled"}');
        return;
      }
      void pollerHandler(Buffer.from(req.body), context).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      });
    });
    // The function has no AccessKey: it signs with the role's keys from the invocation context.
    const functionEnv: Record<string, string> = {
      ...emulatorEnv(emulator, functionDir),
      LIVEWATCH_FC_ENDPOINT: fc.url,
    };
    delete functionEnv.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete functionEnv.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    const runtime = await createRuntime({
      config: loadConfig(functionEnv),
      log: createLogger({ level: 'error', sink: () => {} }),
      context,
    });
    installRuntime(runtime);
    try {
      const result = await runDoctor(['--deployed', '--json'], {
        ...env,
        LIVEWATCH_STORE_URL: 'redis://127.0.0.1:1/0', // the shell's store is not the function's
        LIVEWATCH_ACCOUNT_ID: '1234567890',
        LIVEWATCH_FC_ENDPOINT: fc.url,
      });
      const report = JSON.parse(result.stdout) as DoctorReport;
      expect(report.where).toBe('deployed');
      expect(statusOf(report)).toMatchObject({
        store: 'ok',
        'credentials live cn-shanghai': 'ok',
        'channel log': 'warn',
        'invoke livewatch-alert': 'ok',
      });
      expect(result.code).toBe(3);
      // The CLI's synchronous call, then the function's own async call with the role's keys.
      expect(result.stderr).toContain('livewatch-poller is busy (a sweep is running); trying again');
      expect(fc.received.map((r) => [r.path, r.headers['x-fc-invocation-type'], r.signatureValid])).toEqual([
        ['/2023-03-30/functions/livewatch-poller/invocations', 'Sync', true],
        ['/2023-03-30/functions/livewatch-poller/invocations', 'Sync', true],
        ['/2023-03-30/functions/livewatch-alert/invocations', 'Async', true],
      ]);
    } finally {
      installRuntime(undefined);
      await runtime.close();
      await rm(functionDir, { recursive: true, force: true });
    }
  });
});
