import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatSinks, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { cleanEnv, expectSuccess, runCli } from '../support/cli-process.js';

const DINGTALK_SECRET = 'SECdingtalk0123456789';
const FEISHU_SECRET = 'feishu-secret-0123456789';
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('livewatch notify test (CLI, spawned) against the local chat sinks', () => {
  let sinks: ChatSinks;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sinks = await startChatSinks({
      dingtalkSecret: DINGTALK_SECRET,
      feishuSecret: FEISHU_SECRET,
      webhookSecret: WEBHOOK_SECRET,
    });
    dir = mkdtempSync(join(tmpdir(), 'livewatch-notify-test-'));
    const routes = join(dir, 'routes.yaml');
    writeFileSync(
      routes,
      [
        'receivers:',
        '  - { name: sg-team, type: feishu, url: "URL_FEISHU", secret: "FEISHU_SECRET" }',
        '  - { name: hooks, type: webhook, url: "URL_WEBHOOK", secret: "WEBHOOK_SECRET" }',
        '  - name: ops-rot',
        '    type: dingtalk',
        '    robots:',
        `      - { url: "${sinks.dingtalkRobot('r1', { secret: 'SECr1-0123456789', keyword: 'KW1' })}", secret: SECr1-0123456789, keyword: KW1 }`,
        `      - { url: "${sinks.dingtalkRobot('r2', { keyword: 'KW2' })}", keyword: KW2 }`,
        'route:',
        '  routes:',
        '    - { name: sg, match: { region: ap-southeast-1 }, receivers: [sg-team, hooks], language: zh-CN }',
        '    - { name: rot, match: { severity: critical }, receivers: [ops-rot] }',
        '',
      ]
        .join('\n')
        .replace('URL_FEISHU', sinks.urls.feishu)
        .replace('URL_WEBHOOK', sinks.urls.webhook)
        .replace('FEISHU_SECRET', FEISHU_SECRET)
        .replace('WEBHOOK_SECRET', WEBHOOK_SECRET),
    );
    env = cleanEnv({
      LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}`,
      LIVEWATCH_DINGTALK_WEBHOOK: sinks.urls.dingtalk,
      LIVEWATCH_DINGTALK_SECRET: DINGTALK_SECRET,
      LIVEWATCH_SLACK_WEBHOOK: sinks.urls.slack,
      LIVEWATCH_WECOM_WEBHOOK: sinks.urls.wecom,
      LIVEWATCH_ROUTES_FILE: routes,
    });
  });
  afterAll(async () => {
    await sinks.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const notify = (args: string[], extra: Record<string, string> = {}) =>
    runCli(['notify', ...args], { cwd: dir, env: { ...env, ...extra } });

  /** Nothing that opens a receiver may be printed: URLs (their tokens), secrets. */
  function expectNoSecrets(text: string): void {
    for (const url of Object.values(sinks.urls)) {
      expect(text).not.toContain(new URL(url).search.slice(1) || new URL(url).pathname);
    }
    for (const secret of [DINGTALK_SECRET, FEISHU_SECRET, WEBHOOK_SECRET, 'SECr1-0123456789'])
      expect(text).not.toContain(secret);
  }

  it('sends one test message per receiver of every route and prints each reply; exit 0', async () => {
    const before = Object.fromEntries(Object.entries(sinks.received).map(([k, v]) => [k, v.length]));
    const result = await notify(['test']);
    expectSuccess(result);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RECEIVER\s+TYPE\s+ROUTE\s+RESULT\s+HTTP\s+CODE\s+DETAIL$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 6))).toEqual([
      ['dingtalk', 'dingtalk', 'default', 'ok', '200', '0'],
      ['slack', 'slack', 'default', 'ok', '200', 'ok'],
      ['wecom', 'wecom', 'default', 'ok', '200', '0'],
      ['sg-team', 'feishu', 'sg', 'ok', '200', '0'],
      ['hooks', 'webhook', 'sg', 'ok', '200', 'ok'],
      ['ops-rot#1', 'dingtalk', 'rot', 'ok', '200', '0'],
      ['ops-rot#2', 'dingtalk', 'rot', 'ok', '200', '0'],
    ]);
    // Each robot of the rotating receiver got one, with its own keyword (the sink checks it).
    expect(sinks.received.dingtalk.filter((m) => m.robot === 'r1')).toHaveLength(1);
    expect(sinks.received.dingtalk.filter((m) => m.robot === 'r2').at(-1)?.raw).toContain('KW2');
    for (const [channel, count] of Object.entries(sinks.received)) {
      expect(count.length - (before[channel] ?? 0), channel).toBe(channel === 'dingtalk' ? 3 : 1);
    }
    // In the receiving route's language; a test never @-mentions anyone.
    expect(sinks.received.feishu.at(-1)?.raw).toContain('livewatch 测试消息');
    expect(sinks.received.dingtalk.at(-1)?.body).toMatchObject({ at: { atMobiles: [], isAtAll: false } });
    expectNoSecrets(result.stdout + result.stderr);
  });

  it('exit 1 when a receiver fails, with the vendor code and the classified reason', async () => {
    sinks.failNext('slack', 1, { status: 404, body: 'no_service' });
    const result = await notify(['test', '--json'], { LIVEWATCH_DINGTALK_SECRET: 'SECwrong' });
    expect(result.code).toBe(1);
    const replies = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(replies.find((r) => r.receiver === 'dingtalk')).toMatchObject({
      outcome: 'permanent',
      httpStatus: 200,
      vendorCode: '310000',
    });
    expect(String(replies.find((r) => r.receiver === 'dingtalk')?.detail)).toContain('cause: sign');
    expect(replies.find((r) => r.receiver === 'slack')).toMatchObject({
      httpStatus: 404,
      vendorCode: 'no_service',
    });
    expect(replies.find((r) => r.receiver === 'wecom')).toMatchObject({ outcome: 'sent' });
    expectNoSecrets(result.stdout + result.stderr);
  });

  it('--route R tests only its receivers; an unknown route is refused naming it and sends nothing', async () => {
    const before = sinks.received.slack.length + sinks.received.feishu.length + sinks.received.webhook.length;
    const one = await notify(['test', '--route', 'sg']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/sg-team\s+feishu\s+sg\s+ok/);
    expect(one.stdout).toMatch(/hooks\s+webhook\s+sg\s+ok/);
    expect(one.stdout).not.toMatch(/^slack/m);
    const unknown = await notify(['test', '--route', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'livewatch notify test: --route: "nope" is not a route; routes: default, sg, rot',
    );
    expect(sinks.received.slack.length + sinks.received.feishu.length + sinks.received.webhook.length).toBe(
      before + 2,
    );
    const help = await notify(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: livewatch notify test');
  });
});
