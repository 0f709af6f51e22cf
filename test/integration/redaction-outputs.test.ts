import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as runEmulatorCli } from '../../bin/commands/emulator.js';
import { loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { createStore } from '../../lib/store/create-store.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { cleanEnv, runCli } from '../support/cli-process.js';
import { callApi } from '../support/emulator-clients.js';

/**
 * #13 item 6: every text that leaves the process is redacted by value — CLI JSON outputs, logged
 * vendor error bodies, the emulator's control outputs. Each test plants secrets and greps the output.
 */
const CALLBACK_TOKEN = 'cb-redaction-token-0123456789';
const SLACK_SECRET = 'Zq9RedactionHookSecret42';
const SLACK_WEBHOOK = `https://hooks.slack.com/services/T0RED001/B0RED002/${SLACK_SECRET}`;
const GENERIC_SECRET = 'gw7Secret0Path99';
const GENERIC_WEBHOOK = `https://hooks.example.com/in/${GENERIC_SECRET}`;
const API_KEY = 'ak_live_5f3e2d1c0b9a';

let emulator: Emulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function expectNoSecret(text: string): void {
  for (const secret of [CALLBACK_TOKEN, SLACK_SECRET, GENERIC_SECRET, API_KEY])
    expect(text).not.toContain(secret);
}

describe('redaction of every output', () => {
  it('livewatch status --json prints stored text redacted, as the text form does', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lw-redact-'));
    const storeUrl = `sqlite:${join(dir, 'state.db')}`;
    const store = await createStore(storeUrl);
    // Stored text echoing secrets: a sweep error quoting a vendor's answer.
    await store.putHeartbeat({
      lastSuccessAt: Date.now() - 3_600_000,
      lastError: `POST /services/T0RED001/B0RED002/${SLACK_SECRET} answered 500; retried https://x.example/cb?api_key=${API_KEY}; callback /x/${CALLBACK_TOKEN}; ${GENERIC_WEBHOOK}`,
    } as never);
    await store.close();
    const env = cleanEnv({
      LIVEWATCH_STORE_URL: storeUrl,
      LIVEWATCH_CALLBACK_TOKENS: CALLBACK_TOKEN,
      LIVEWATCH_SLACK_WEBHOOK: SLACK_WEBHOOK,
      LIVEWATCH_WEBHOOK_URL: GENERIC_WEBHOOK,
    });
    for (const args of [['status', '--json'], ['status']]) {
      const result = await runCli(args, { env });
      expect(result.stdout, result.stderr).toContain('answered 500');
      expectNoSecret(result.stdout);
      expectNoSecret(result.stderr);
    }
  });

  it('a vendor error body logged as is is masked by value: a webhook path secret, an api_key query value', () => {
    loadConfig({ LIVEWATCH_SLACK_WEBHOOK: SLACK_WEBHOOK, LIVEWATCH_WEBHOOK_URL: GENERIC_WEBHOOK });
    const lines: string[] = [];
    const log = createLogger({ sink: (line) => lines.push(line) });
    log.warn('channel answered an error', {
      body: `{"error":"invalid_token","path":"/services/T0RED001/B0RED002/${SLACK_SECRET}","hook":"${GENERIC_SECRET}"}`,
      url: `https://vendor.example/v1/send?channel=ops&api_key=${API_KEY}`,
    });
    expect(lines).toHaveLength(1);
    expectNoSecret(lines[0] ?? '');
    expect(lines[0]).toContain('api_key=***');
  });

  it('livewatch emulator stats --json and the control API never show a callback URL’s token', async () => {
    emulator = await startEmulator({ latencyMs: 0, tasks: 0 });
    const task = emulator.addTask({ sourceUrls: ['rtmp://origin.example.com/live/a'] });
    const callbackUrl = `https://lw.example.com/callback/${CALLBACK_TOKEN}?region=cn-shanghai`;
    await callApi(emulator, 'v3', 'UpdateLivePullToPush', {
      Region: 'cn-shanghai',
      TaskId: task.taskId,
      CallbackUrl: callbackUrl,
    });
    // The emulated API still answers the real URL: livewatch reads its own callback URLs back.
    const described = await callApi(emulator, 'v3', 'DescribeLivePullToPush', {
      Region: 'cn-shanghai',
      TaskId: task.taskId,
    });
    expect(JSON.stringify(described)).toContain(CALLBACK_TOKEN);

    const out: string[] = [];
    const code = await runEmulatorCli(['stats', '--json', '--url', emulator.url], {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('UpdateLivePullToPush');
    expectNoSecret(out.join('\n'));
    const raw = await (await fetch(`${emulator.url}/_emulator/stats`)).text();
    expect(raw).toContain('/callback/***');
    expectNoSecret(raw);
  });
});
