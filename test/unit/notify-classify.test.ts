import { describe, expect, it } from 'vitest';
import type { SendOutcome } from '../../lib/notify/channel.js';
import { classifyDingtalkReply, securityCause } from '../../lib/notify/channels/dingtalk.js';
import { classifyFeishuReply } from '../../lib/notify/channels/feishu.js';
import { classifySlackReply } from '../../lib/notify/channels/slack.js';
import { classifyWebhookReply } from '../../lib/notify/channels/webhook.js';
import { classifyWecomReply } from '../../lib/notify/channels/wecom.js';
import type { HttpReply } from '../../lib/notify/post-body.js';

const NOW = Date.UTC(2026, 0, 1);

function reply(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: new Headers(headers),
    text: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** A DingTalk or WeCom answer: HTTP 200 whatever happened, the outcome in errcode/errmsg. */
function errcodeReply(errcode: number, errmsg: string): HttpReply {
  return reply(200, { errcode, errmsg });
}

describe('classifyDingtalkReply (errors inside HTTP 200)', () => {
  it('counts only errcode 0 as sent', () => {
    expect(classifyDingtalkReply(errcodeReply(0, 'ok'), NOW)).toEqual({ outcome: 'sent' });
    expect(classifyDingtalkReply(reply(200, 'ok'), NOW).outcome).toBe('retry');
    expect(classifyDingtalkReply(reply(200, {}), NOW).outcome).toBe('retry');
  });

  it('retries busy after 30 s', () => {
    expect(classifyDingtalkReply(errcodeReply(-1, '系统繁忙'), NOW)).toMatchObject({
      outcome: 'retry',
      afterMs: 30_000,
    });
  });

  it.each([
    [130101, 'send too fast, exceed 20 times per minute'],
    [410100, '发送速度太快而限流'],
    [999001, 'too fast'],
    [999002, '已限流'],
  ])('retries throttling %d after at least a minute', (errcode, errmsg) => {
    const outcome = classifyDingtalkReply(reply(200, { errcode, errmsg }), NOW);
    expect(outcome.outcome).toBe('retry');
    expect(outcome.outcome === 'retry' && outcome.afterMs).toBeGreaterThanOrEqual(60_000);
  });

  it.each([
    ['keywords not in content', 'keyword'],
    ['sign not match', 'sign'],
    ['ip 1.2.3.4 not in whitelist', 'ip'],
    ['invalid timestamp', 'clock'],
  ])('reports 310000 "%s" as permanent with cause %s', (errmsg, cause) => {
    const outcome = classifyDingtalkReply(reply(200, { errcode: 310000, errmsg }), NOW);
    expect(outcome.outcome).toBe('permanent');
    expect(outcome.outcome === 'permanent' && outcome.reason).toContain(`cause: ${cause}`);
    expect(securityCause(errmsg)).toBe(cause);
  });

  it.each([
    300001, 300005, 400013, 400101, 400102, 400105, 400106, 430101, 430102, 430103, 430104, 40035, 43002,
    43004,
  ])('treats %d as permanent', (errcode) => {
    expect(classifyDingtalkReply(reply(200, { errcode, errmsg: 'x' }), NOW).outcome).toBe('permanent');
  });

  it.each([460101, 101002])('asks to shrink on %d', (errcode) => {
    expect(classifyDingtalkReply(reply(200, { errcode, errmsg: 'message too long' }), NOW).outcome).toBe(
      'too-large',
    );
  });

  it('retries the quota error 90030 much later', () => {
    const outcome = classifyDingtalkReply(errcodeReply(90030, 'webhook over limit'), NOW);
    expect(outcome.outcome === 'retry' && outcome.afterMs).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('treats unknown codes as failures with backoff, never as sent', () => {
    expect(classifyDingtalkReply(errcodeReply(123456, '?'), NOW)).toMatchObject({
      outcome: 'retry',
      backoff: true,
    });
  });

  it('retries a redirect during a block and 5xx with backoff', () => {
    expect(classifyDingtalkReply(reply(302, ''), NOW).outcome).toBe('retry');
    expect(classifyDingtalkReply(reply(502, 'bad gateway'), NOW)).toMatchObject({
      outcome: 'retry',
      backoff: true,
    });
  });
});

describe('classifySlackReply', () => {
  it('sends on 200 ok', () => {
    expect(classifySlackReply(reply(200, 'ok'), NOW)).toEqual({ outcome: 'sent' });
  });
  it('waits Retry-After on 429', () => {
    expect(classifySlackReply(reply(429, '{}', { 'retry-after': '42' }), NOW)).toMatchObject({
      outcome: 'retry',
      afterMs: 42_000,
    });
  });
  it('backs off on 5xx', () => {
    expect(classifySlackReply(reply(500, 'rollup_error'), NOW)).toMatchObject({
      outcome: 'retry',
      backoff: true,
    });
  });
  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('gives up on %d %s', (status, body) => {
    const outcome = classifySlackReply(reply(status, body), NOW);
    expect(outcome.outcome).toBe('permanent');
    expect(outcome.outcome === 'permanent' && outcome.reason).toContain(body);
  });
  it('treats a 200 without ok as a failure', () => {
    expect(classifySlackReply(reply(200, 'maybe'), NOW).outcome).toBe('retry');
  });
});

describe('classifyFeishuReply', () => {
  it('sends on code 0', () => {
    expect(classifyFeishuReply(reply(200, { code: 0, msg: 'success', data: {} }), NOW)).toEqual({
      outcome: 'sent',
    });
  });
  it('retries flow control 11232', () => {
    expect(classifyFeishuReply(reply(200, { code: 11232, msg: 'frequency limited' }), NOW).outcome).toBe(
      'retry',
    );
  });
  it.each([19021, 19022, 19024, 9499])('gives up on %d', (code) => {
    expect(classifyFeishuReply(reply(200, { code, msg: 'x' }), NOW).outcome).toBe('permanent');
  });
  it('asks to shrink on 19036', () => {
    expect(classifyFeishuReply(reply(200, { code: 19036, msg: 'too large' }), NOW).outcome).toBe('too-large');
  });
  it('treats unknown codes as failures', () => {
    expect(classifyFeishuReply(reply(200, { code: 55555, msg: '?' }), NOW)).toMatchObject({
      outcome: 'retry',
      backoff: true,
    });
  });
});

describe('classifyWecomReply', () => {
  it('sends on errcode 0', () => {
    expect(classifyWecomReply(errcodeReply(0, 'ok'), NOW)).toEqual({ outcome: 'sent' });
  });
  it('retries 45009 after the minute window', () => {
    expect(classifyWecomReply(errcodeReply(45009, 'api freq out of limit'), NOW)).toMatchObject({
      outcome: 'retry',
      afterMs: 60_000,
    });
  });
  it('gives up on 93000', () => {
    expect(classifyWecomReply(errcodeReply(93000, 'invalid webhook url'), NOW).outcome).toBe('permanent');
  });
  it('treats unknown codes as failures', () => {
    expect(classifyWecomReply(errcodeReply(1, '?'), NOW).outcome).toBe('retry');
  });
});

describe('classifyWebhookReply', () => {
  it('sends on any 2xx', () => {
    expect(classifyWebhookReply(reply(204, ''), NOW)).toEqual({ outcome: 'sent' });
  });
  it('gives up on 410 only and retries every other non-2xx (Standard Webhooks)', () => {
    expect(classifyWebhookReply(reply(410, ''), NOW).outcome).toBe('permanent');
    expect(classifyWebhookReply(reply(400, 'bad'), NOW)).toMatchObject({ outcome: 'retry', backoff: true });
    expect(classifyWebhookReply(reply(404, ''), NOW)).toMatchObject({ outcome: 'retry', backoff: true });
    expect(classifyWebhookReply(reply(429, '', { 'retry-after': '5' }), NOW)).toMatchObject({
      afterMs: 5_000,
    });
    expect(classifyWebhookReply(reply(503, ''), NOW)).toMatchObject({ outcome: 'retry', backoff: true });
  });
});

/**
 * Every documented reply, classified as its vendor documents it (docs/notify.md "Replies"). `throttled`
 * replies never count toward LIVEWATCH_NOTIFY_MAX_ATTEMPTS.
 */
type Expected = 'sent' | 'retry' | 'throttled' | 'permanent' | 'too-large';
const TABLE: ReadonlyArray<
  readonly [string, (r: HttpReply, now: number) => SendOutcome, HttpReply, Expected]
> = [
  ['dingtalk 0', classifyDingtalkReply, errcodeReply(0, 'ok'), 'sent'],
  ['dingtalk -1 busy', classifyDingtalkReply, errcodeReply(-1, '系统繁忙'), 'retry'],
  [
    'dingtalk 88 auth',
    classifyDingtalkReply,
    reply(200, { errcode: 88, errmsg: '鉴权异常', sub_msg: 'x' }),
    'permanent',
  ],
  ['dingtalk 130101', classifyDingtalkReply, errcodeReply(130101, 'send too fast'), 'throttled'],
  ['dingtalk 410100', classifyDingtalkReply, errcodeReply(410100, '限流'), 'throttled'],
  ['dingtalk 90030 quota', classifyDingtalkReply, errcodeReply(90030, 'webhook over limit'), 'throttled'],
  ['dingtalk 302 block', classifyDingtalkReply, reply(302, ''), 'throttled'],
  ['dingtalk 310000', classifyDingtalkReply, errcodeReply(310000, 'sign not match'), 'permanent'],
  ['dingtalk 300001', classifyDingtalkReply, errcodeReply(300001, 'token is not exist'), 'permanent'],
  ['dingtalk 300005', classifyDingtalkReply, errcodeReply(300005, 'token is not exist'), 'permanent'],
  ['dingtalk 400013', classifyDingtalkReply, errcodeReply(400013, '群已被解散'), 'permanent'],
  ['dingtalk 400102', classifyDingtalkReply, errcodeReply(400102, '机器人已停用'), 'permanent'],
  ['dingtalk 460101', classifyDingtalkReply, errcodeReply(460101, 'too long'), 'too-large'],
  ['dingtalk 101002', classifyDingtalkReply, errcodeReply(101002, 'too long'), 'too-large'],
  ['dingtalk 5xx', classifyDingtalkReply, reply(502, 'bad gateway'), 'retry'],
  ['slack ok', classifySlackReply, reply(200, 'ok'), 'sent'],
  ['slack 429', classifySlackReply, reply(429, '{}', { 'retry-after': '3' }), 'throttled'],
  ['slack 500 rollup_error', classifySlackReply, reply(500, 'rollup_error'), 'retry'],
  ['slack 400 invalid_payload', classifySlackReply, reply(400, 'invalid_payload'), 'permanent'],
  ['slack 403 action_prohibited', classifySlackReply, reply(403, 'action_prohibited'), 'permanent'],
  ['slack 404 channel_not_found', classifySlackReply, reply(404, 'channel_not_found'), 'permanent'],
  ['slack 410 channel_is_archived', classifySlackReply, reply(410, 'channel_is_archived'), 'permanent'],
  ['feishu 0', classifyFeishuReply, reply(200, { code: 0, msg: 'success', data: {} }), 'sent'],
  ['feishu 11232', classifyFeishuReply, reply(200, { code: 11232, msg: 'frequency limited' }), 'throttled'],
  [
    'feishu 19001',
    classifyFeishuReply,
    reply(200, { code: 19001, msg: 'param invalid: incoming webhook access token invalid' }),
    'permanent',
  ],
  ['feishu 19002', classifyFeishuReply, reply(200, { code: 19002, msg: 'params error' }), 'permanent'],
  ['feishu 19007', classifyFeishuReply, reply(200, { code: 19007, msg: 'Bot Not Enabled' }), 'permanent'],
  ['feishu 19021', classifyFeishuReply, reply(200, { code: 19021, msg: 'sign match fail' }), 'permanent'],
  ['feishu 19022', classifyFeishuReply, reply(200, { code: 19022, msg: 'Ip Not Allowed' }), 'permanent'],
  ['feishu 19024', classifyFeishuReply, reply(200, { code: 19024, msg: 'Key Words Not Found' }), 'permanent'],
  ['feishu 9499', classifyFeishuReply, reply(400, { code: 9499, msg: 'Bad Request' }), 'permanent'],
  ['feishu 19036', classifyFeishuReply, reply(200, { code: 19036, msg: 'message too large' }), 'too-large'],
  ['wecom 0', classifyWecomReply, errcodeReply(0, 'ok'), 'sent'],
  ['wecom -1 busy', classifyWecomReply, errcodeReply(-1, 'system busy'), 'retry'],
  ['wecom 45009', classifyWecomReply, errcodeReply(45009, 'api freq out of limit'), 'throttled'],
  ['wecom 93000', classifyWecomReply, errcodeReply(93000, 'invalid webhook url'), 'permanent'],
  ['wecom 40008', classifyWecomReply, errcodeReply(40008, 'invalid message type'), 'permanent'],
  ['wecom 44004', classifyWecomReply, errcodeReply(44004, 'text content is empty'), 'permanent'],
  ['wecom 40058', classifyWecomReply, errcodeReply(40058, 'exceed max length'), 'too-large'],
  ['webhook 204', classifyWebhookReply, reply(204, ''), 'sent'],
  ['webhook 400', classifyWebhookReply, reply(400, 'bad'), 'retry'],
  ['webhook 401', classifyWebhookReply, reply(401, 'invalid signature'), 'retry'],
  ['webhook 410', classifyWebhookReply, reply(410, ''), 'permanent'],
  ['webhook 413', classifyWebhookReply, reply(413, ''), 'too-large'],
  ['webhook 429', classifyWebhookReply, reply(429, ''), 'throttled'],
  ['webhook 502', classifyWebhookReply, reply(502, ''), 'throttled'],
  ['webhook 503', classifyWebhookReply, reply(503, ''), 'retry'],
  ['webhook 504', classifyWebhookReply, reply(504, ''), 'throttled'],
];

describe('classification table', () => {
  it.each(TABLE)('%s', (_name, classify, answer, expected) => {
    const outcome = classify(answer, NOW);
    const kind = outcome.outcome === 'retry' && outcome.throttled ? 'throttled' : outcome.outcome;
    expect(kind).toBe(expected);
  });
});
