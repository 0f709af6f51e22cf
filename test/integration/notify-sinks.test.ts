import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { signDingtalk, signDingtalkUrl } from '../../lib/notify/sign-dingtalk.js';
import { signFeishu } from '../../lib/notify/sign-feishu.js';
import { signStandardWebhook } from '../../lib/notify/sign-standard-webhook.js';
import {
  type ReceivedMessage,
  startChatSinks,
  summarizeSinkMessage,
} from '../../local/sinks/start-chat-sinks.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';

const cleanup = cleanupAfterEach();

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: Record<string, unknown> | undefined; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

const markdown = { msgtype: 'markdown', markdown: { title: 't', text: 'livewatch test' } };

describe('chat sinks', () => {
  it('DingTalk: accepts a signed request and rejects a sign that was not URL-encoded', async () => {
    const clock = new ManualClock(1577262236757);
    const sinks = cleanup.close(await startChatSinks({ clock, dingtalkSecret: 'this is secret' }));
    const good = await post(signDingtalkUrl(sinks.urls.dingtalk, 'this is secret', clock.now()), markdown);
    expect(good.json).toEqual({ errcode: 0, errmsg: 'ok' });
    // The vector's sign contains '+': unencoded, it arrives as a space.
    const raw = `${sinks.urls.dingtalk}&timestamp=${clock.now()}&sign=${signDingtalk('this is secret', clock.now())}`;
    const bad = await post(raw, markdown);
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ errcode: 310000, errmsg: 'sign not match' });
    clock.advance(2 * 3_600_000);
    const stale = await post(
      signDingtalkUrl(sinks.urls.dingtalk, 'this is secret', clock.now() - 2 * 3_600_000),
      markdown,
    );
    expect(stale.json).toMatchObject({ errcode: 310000 });
    expect(sinks.received.dingtalk).toHaveLength(1);
  });

  it('DingTalk: throttles the 21st message in a minute with 130101 inside HTTP 200', async () => {
    const clock = new ManualClock();
    const sinks = cleanup.close(await startChatSinks({ clock }));
    for (let i = 0; i < 20; i += 1) expect((await post(sinks.urls.dingtalk, markdown)).json?.errcode).toBe(0);
    const over = await post(sinks.urls.dingtalk, markdown);
    expect(over.status).toBe(200);
    expect(over.json?.errcode).toBe(130101);
    clock.advance(60_001);
    expect((await post(sinks.urls.dingtalk, markdown)).json?.errcode).toBe(0);
  });

  it('DingTalk: enforces a keyword and a valid token', async () => {
    const sinks = cleanup.close(await startChatSinks({ clock: new ManualClock(), dingtalkKeyword: 'ALERT' }));
    expect((await post(sinks.urls.dingtalk, markdown)).json).toMatchObject({
      errcode: 310000,
      errmsg: 'keywords not in content',
    });
    const wrongToken = sinks.urls.dingtalk.replace(/access_token=.*/, 'access_token=nope');
    expect((await post(wrongToken, markdown)).json?.errcode).toBe(300001);
  });

  it('Slack: answers a second message within a second with 429 and Retry-After, and checks blocks', async () => {
    const clock = new ManualClock();
    const sinks = cleanup.close(await startChatSinks({ clock }));
    expect((await post(sinks.urls.slack, { text: 'one' })).text).toBe('ok');
    const limited = await post(sinks.urls.slack, { text: 'two' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    clock.advance(1_001);
    const blocks = Array.from({ length: 51 }, () => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'x' },
    }));
    const invalid = await post(sinks.urls.slack, { text: 'many', blocks });
    expect(invalid).toMatchObject({ status: 400, text: 'invalid_blocks' });
    expect((await post(sinks.urls.slack, { text: 'three' })).text).toBe('ok');
  });

  it('Feishu: checks the body signature (19021) and the 5/s limit (11232)', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const sinks = cleanup.close(await startChatSinks({ clock, feishuSecret: 'demo' }));
    const body = { msg_type: 'text', content: { text: 'hi' } };
    const signed = { timestamp: '1700000000', sign: signFeishu('demo', 1_700_000_000), ...body };
    expect((await post(sinks.urls.feishu, { ...signed, sign: 'bad' })).json?.code).toBe(19021);
    for (let i = 0; i < 5; i += 1) expect((await post(sinks.urls.feishu, signed)).json?.code).toBe(0);
    expect((await post(sinks.urls.feishu, signed)).json?.code).toBe(11232);
  });

  it('WeCom: rejects a wrong key (93000) and the 21st message in a minute (45009)', async () => {
    const sinks = cleanup.close(await startChatSinks({ clock: new ManualClock() }));
    const body = { msgtype: 'markdown', markdown: { content: 'hi' } };
    expect((await post(sinks.urls.wecom.replace(/key=.*/, 'key=wrong'), body)).json?.errcode).toBe(93000);
    for (let i = 0; i < 20; i += 1) expect((await post(sinks.urls.wecom, body)).json?.errcode).toBe(0);
    expect((await post(sinks.urls.wecom, body)).json?.errcode).toBe(45009);
  });

  it('webhook: verifies the Standard Webhooks signature', async () => {
    const clock = new ManualClock(1_614_265_330_000);
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const sinks = cleanup.close(await startChatSinks({ clock, webhookSecret: secret }));
    const raw = '{"test": 2432232314}';
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': signStandardWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, raw),
    };
    expect((await post(sinks.urls.webhook, raw, headers)).status).toBe(200);
    expect((await post(sinks.urls.webhook, raw, { ...headers, 'webhook-signature': 'v1,AAAA' })).status).toBe(
      401,
    );
    expect((await post(sinks.urls.webhook, '{"test": 1}', headers)).status).toBe(401);
    expect(sinks.received.webhook).toHaveLength(1);
  });

  it('answers with a fault the given number of times, then normally, and reports accepted messages', async () => {
    const seen: ReceivedMessage[] = [];
    const sinks = cleanup.close(
      await startChatSinks({ clock: new ManualClock(), onMessage: (message) => seen.push(message) }),
    );
    sinks.failNext('dingtalk', 2, { body: { errcode: 310000, errmsg: 'ip 10.0.0.1 not in whitelist' } });
    expect((await post(sinks.urls.dingtalk, markdown)).json?.errcode).toBe(310000);
    expect((await post(sinks.urls.dingtalk, markdown)).json?.errcode).toBe(310000);
    expect((await post(sinks.urls.dingtalk, markdown)).json?.errcode).toBe(0);
    expect(seen).toHaveLength(1);
    expect(summarizeSinkMessage(seen[0] as ReceivedMessage)).toBe('[dingtalk] t');
  });
});
