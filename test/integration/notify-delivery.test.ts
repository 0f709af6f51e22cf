import { afterEach, describe, expect, it } from 'vitest';
import { relayNotice, type SinkHarness, startSinkHarness } from '../support/sink-harness.js';

const MINUTE = 60_000;
let harness: SinkHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const rawOf = (messages: ReadonlyArray<{ raw: string }>): string =>
  messages.map((message) => message.raw).join('\n');

describe('notification delivery (chat sinks over loopback, SQLite outbox, manual clock)', () => {
  it('paces 50 groups to DingTalk: at most 18 sends in the minute, one digest, every alert delivered', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks } = harness;
    const tasks = Array.from({ length: 50 }, (_, index) => `storm-${String(index).padStart(2, '0')}`);
    for (const [index, task] of tasks.entries()) {
      // One group each: a distinct reason per alert.
      await notifier.notify(relayNotice({ task, severity: 'critical', reason: `Reason${index}` }));
    }
    let digested = 0;
    for (let second = 0; second < 60; second += 5) {
      digested += (await notifier.flush()).digested;
      clock.advance(5_000);
    }
    const inFirstMinute = sinks.received.dingtalk.length;
    expect(inFirstMinute).toBeLessThanOrEqual(18);
    expect(digested).toBeGreaterThan(0);
    expect(sinks.replies.filter((reply) => reply.reply.includes('130101'))).toEqual([]);
    const digests = sinks.received.dingtalk.filter((message) => message.raw.includes('alert groups'));
    expect(digests.length).toBeGreaterThanOrEqual(1);
    // Nothing is lost: every alert appears in some sent message (flush once more for any stragglers).
    clock.advance(MINUTE);
    await notifier.flush();
    const all = rawOf(sinks.received.dingtalk);
    expect(tasks.filter((task) => !all.includes(`relay ${task} offline`))).toEqual([]);
    expect((await harness.store.outboxStats()).pending).toBe(0);
  });

  it('stays under the WeCom limit when groups keep arriving through the minute, and delivers all of them', async () => {
    harness = await startSinkHarness({ channels: ['wecom'] });
    const { notifier, clock, sinks } = harness;
    const tasks: string[] = [];
    for (let step = 0; step < 12; step += 1) {
      for (let i = 0; i < 4; i += 1) {
        const task = `spread-${step}-${i}`;
        tasks.push(task);
        await notifier.notify(relayNotice({ task, severity: 'critical', reason: `R${step}-${i}` }));
      }
      await notifier.flush();
      clock.advance(5_000);
    }
    expect(sinks.received.wecom.length).toBeLessThanOrEqual(18);
    for (let i = 0; i < 4; i += 1) {
      clock.advance(MINUTE);
      await notifier.flush();
    }
    expect(sinks.replies.filter((reply) => reply.reply.includes('45009'))).toEqual([]);
    const all = rawOf(sinks.received.wecom);
    expect(tasks.filter((task) => !all.includes(`relay ${task} offline`))).toEqual([]);
    expect((await harness.store.outboxStats()).pending).toBe(0);
  });

  it('folds several groups due for Slack at once into one digest (1 message/s)', async () => {
    harness = await startSinkHarness({ channels: ['slack'] });
    const { notifier, sinks } = harness;
    for (let i = 0; i < 5; i += 1) {
      await notifier.notify(relayNotice({ task: `sl-${i}`, severity: 'critical', reason: `R${i}` }));
    }
    const report = await notifier.flush();
    expect(report).toMatchObject({ groupsFlushed: 5, sent: 1, digested: 5 });
    expect(sinks.received.slack).toHaveLength(1);
    const body = sinks.received.slack[0]?.body as { text: string };
    expect(body.text).toContain('5 alert groups');
    for (let i = 0; i < 5; i += 1) expect(sinks.received.slack[0]?.raw).toContain(`relay sl-${i} offline`);
  });

  it('retries a DingTalk throttle reported inside HTTP 200 a minute later instead of dropping it', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks } = harness;
    sinks.failNext('dingtalk', 1, {
      status: 200,
      body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
    });
    await notifier.notify(relayNotice({ task: 'thr', severity: 'critical' }));
    expect(await notifier.flush()).toMatchObject({ sent: 0, retried: 1, dead: 0 });
    clock.advance(30_000);
    expect((await notifier.flush()).sent).toBe(0);
    clock.advance(31_000);
    expect((await notifier.flush()).sent).toBe(1);
    expect(sinks.received.dingtalk).toHaveLength(1);
    expect(sinks.received.dingtalk[0]?.raw).toContain('relay thr offline');
  });

  it('stops sending to a throttled robot for the rest of the flush, then delivers everything', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks } = harness;
    sinks.failNext('dingtalk', 1, {
      body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
    });
    for (let i = 0; i < 3; i += 1) {
      await notifier.notify(relayNotice({ task: `held-${i}`, severity: 'critical', reason: `R${i}` }));
    }
    expect(await notifier.flush()).toMatchObject({ sent: 0, retried: 1 });
    expect(sinks.replies).toHaveLength(1);
    clock.advance(61_000);
    await notifier.flush();
    const all = rawOf(sinks.received.dingtalk);
    for (let i = 0; i < 3; i += 1) expect(all).toContain(`relay held-${i} offline`);
  });

  it.each([
    [
      'signs DingTalk requests so the sink accepts them',
      { dingtalkSecret: 'SECright-0123456789abcdef' },
      { LIVEWATCH_DINGTALK_SECRET: 'SECright-0123456789abcdef' },
    ],
    [
      'a keyword-secured DingTalk robot accepts the notifier’s messages when the keyword is configured',
      { dingtalkKeyword: 'LW-ALERT' },
      { LIVEWATCH_DINGTALK_KEYWORD: 'LW-ALERT' },
    ],
  ])('%s', async (_title, sinks, env) => {
    harness = await startSinkHarness({ channels: ['dingtalk'], sinks, env });
    await harness.notifier.notify(relayNotice({ task: 'accepted', severity: 'critical' }));
    expect((await harness.notifier.flush()).sent).toBe(1);
    expect(harness.sinks.received.dingtalk).toHaveLength(1);
  });

  it('marks a message dead with the cause when DingTalk rejects the signature (310000)', async () => {
    harness = await startSinkHarness({
      channels: ['dingtalk'],
      sinks: { dingtalkSecret: 'SECright-0123456789abcdef' },
      env: { LIVEWATCH_DINGTALK_SECRET: 'SECwrong-0123456789abcdef' },
    });
    const { notifier, store, logLines, clock } = harness;
    await notifier.notify(relayNotice({ task: 'badsign', severity: 'critical' }));
    expect(await notifier.flush()).toMatchObject({ sent: 0, dead: 1 });
    expect((await store.outboxStats()).dead).toBe(1);
    const dead = logLines.filter((line) => line.includes('notification dead'));
    expect(dead).toHaveLength(1);
    expect(dead[0]).toContain('310000');
    expect(dead[0]).toContain('cause: sign');
    clock.advance(10 * MINUTE);
    expect((await notifier.flush()).sent).toBe(0);
  });

  it('marks a Feishu message dead when the bot rejects the signature (19021)', async () => {
    harness = await startSinkHarness({
      channels: ['feishu'],
      sinks: { feishuSecret: 'feishu-right-secret' },
      env: { LIVEWATCH_FEISHU_SECRET: 'feishu-wrong-secret' },
    });
    await harness.notifier.notify(relayNotice({ task: 'fs', severity: 'critical' }));
    expect(await harness.notifier.flush()).toMatchObject({ sent: 0, dead: 1 });
    expect(
      harness.logLines.some((line) => line.includes('notification dead') && line.includes('19021')),
    ).toBe(true);
  });

  it('honours Slack 429 Retry-After before sending again', async () => {
    harness = await startSinkHarness({ channels: ['slack'] });
    const { notifier, clock, sinks } = harness;
    sinks.failNext('slack', 1, { status: 429, body: { ok: false }, headers: { 'retry-after': '120' } });
    await notifier.notify(relayNotice({ task: 's1', severity: 'critical' }));
    expect((await notifier.flush()).retried).toBe(1);
    clock.advance(119_000);
    await notifier.flush();
    expect(sinks.received.slack).toHaveLength(0);
    clock.advance(2_000);
    await notifier.flush();
    expect(sinks.received.slack).toHaveLength(1);
    const body = sinks.received.slack[0]?.body as { text: string; blocks: Array<{ type: string }> };
    expect(body.text).toContain('relay s1 offline');
    expect(body.blocks[0]?.type).toBe('header');
  });

  it('gives up on an unknown error code after the configured attempts and logs it', async () => {
    harness = await startSinkHarness({ channels: ['wecom'], env: { LIVEWATCH_NOTIFY_MAX_ATTEMPTS: '3' } });
    const { notifier, clock, sinks, logLines } = harness;
    sinks.failNext('wecom', 10, { body: { errcode: 777777, errmsg: 'something new' } });
    await notifier.notify(relayNotice({ task: 'u1', severity: 'critical' }));
    const reports = [];
    for (let i = 0; i < 6; i += 1) {
      reports.push(await notifier.flush());
      clock.advance(10 * MINUTE);
    }
    expect(reports.reduce((sum, report) => sum + report.retried, 0)).toBe(2);
    expect(reports.reduce((sum, report) => sum + report.dead, 0)).toBe(1);
    expect(sinks.received.wecom).toHaveLength(0);
    expect(logLines.some((line) => line.includes('notification dead') && line.includes('777777'))).toBe(true);
  });

  it('holds a DingTalk robot at 130101 for 15 minutes: throttling never spends attempts; delivered once after', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'], env: { LIVEWATCH_NOTIFY_MAX_ATTEMPTS: '3' } });
    const { notifier, clock, sinks, store } = harness;
    const lifts = clock.now() + 15 * MINUTE;
    sinks.holdUntil('dingtalk', lifts, {
      body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
    });
    await notifier.notify(relayNotice({ task: 'held', severity: 'critical' }));
    let dead = 0;
    // The alert tick every 30 s of clock time, for 20 minutes.
    for (let tick = 0; tick <= 40; tick += 1) {
      dead += (await notifier.flush()).dead;
      clock.advance(30_000);
    }
    const throttled = sinks.replies.filter((reply) => reply.reply.includes('130101'));
    expect(throttled.length).toBeGreaterThan(3); // more tries than LIVEWATCH_NOTIFY_MAX_ATTEMPTS
    expect(throttled.every((reply) => reply.at < lifts)).toBe(true);
    expect(dead).toBe(0);
    expect(sinks.received.dingtalk).toHaveLength(1);
    expect(sinks.received.dingtalk[0]?.at).toBeGreaterThanOrEqual(lifts);
    expect(sinks.received.dingtalk[0]?.raw).toContain('relay held offline');
    expect(await store.outboxStats()).toMatchObject({ pending: 0, dead: 0 });
  });

  it('retries with backoff when the endpoint is unreachable', async () => {
    harness = await startSinkHarness({
      channels: [],
      env: { LIVEWATCH_WEBHOOK_URL: 'http://127.0.0.1:9/hook' },
    });
    const { notifier, logLines } = harness;
    await notifier.notify(relayNotice({ task: 'n1', severity: 'critical' }));
    expect(await notifier.flush()).toMatchObject({ sent: 0, retried: 1 });
    expect(logLines.some((line) => line.includes('network error'))).toBe(true);
  });

  it('re-renders a message smaller when DingTalk says it is too long, then delivers it', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, sinks } = harness;
    sinks.failNext('dingtalk', 1, {
      body: { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' },
    });
    await notifier.notify(relayNotice({ task: 'big', severity: 'critical' }));
    await notifier.flush();
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(1);
    expect(sinks.received.dingtalk[0]?.raw).toContain('relay big offline');
  });

  it('delivers to every channel, each verified by its sink (signatures included)', async () => {
    harness = await startSinkHarness({
      channels: ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'],
      sinks: {
        dingtalkSecret: 'SECding-secret-1',
        feishuSecret: 'feishu-secret-1',
        webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      },
      env: {
        LIVEWATCH_DINGTALK_SECRET: 'SECding-secret-1',
        LIVEWATCH_FEISHU_SECRET: 'feishu-secret-1',
        LIVEWATCH_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      },
    });
    const { notifier, sinks, clock } = harness;
    const notice = relayNotice({ task: 'every', severity: 'critical' });
    await notifier.notify(notice);
    expect((await notifier.flush()).sent).toBe(5);
    for (const channel of ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'] as const) {
      expect(sinks.received[channel], channel).toHaveLength(1);
      expect(sinks.received[channel][0]?.raw, channel).toContain('relay every offline');
    }
    clock.advance(5 * MINUTE);
    await notifier.notify({ ...notice, status: 'resolved', at: clock.now() });
    await notifier.flush();
    const webhook = sinks.received.webhook[1]?.body as {
      version: string;
      status: string;
      groupLabels: Record<string, string>;
      alerts: Array<{ status: string; labels: Record<string, string>; endsAt: string }>;
    };
    expect(webhook.version).toBe('4');
    expect(webhook.status).toBe('resolved');
    expect(webhook.groupLabels).toMatchObject({ severity: 'critical', kind: 'relay', region: 'cn-shanghai' });
    expect(webhook.alerts[0]).toMatchObject({ status: 'resolved', labels: { id: notice.id } });
    expect(webhook.alerts[0]?.endsAt).toBe(new Date(clock.now()).toISOString());
  });

  it('keeps webhook tokens and signing secrets out of every sent body and log line', async () => {
    const secrets = { ding: 'SECding-secret-xyz', feishu: 'feishu-secret-xyz', hook: 'hook-secret-xyz' };
    harness = await startSinkHarness({
      channels: ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'],
      sinks: { dingtalkSecret: secrets.ding, feishuSecret: secrets.feishu, webhookSecret: secrets.hook },
      env: {
        LIVEWATCH_DINGTALK_SECRET: secrets.ding,
        LIVEWATCH_FEISHU_SECRET: secrets.feishu,
        LIVEWATCH_WEBHOOK_SECRET: secrets.hook,
      },
    });
    const { notifier, sinks, logLines, clock, store } = harness;
    // Failures make the adapters log reasons too.
    sinks.failNext('dingtalk', 1, { body: { errcode: -1, errmsg: '系统繁忙' } });
    sinks.failNext('slack', 1, { status: 500, body: 'rollup_error' });
    await notifier.notify(
      relayNotice({
        task: 'leak',
        severity: 'critical',
        text: 'source rtmp://origin.example.com/live/leak?auth_key=1700000000-0-0-abcdef0123456789 failed',
      }),
    );
    for (let i = 0; i < 4; i += 1) {
      await notifier.flush();
      clock.advance(5 * MINUTE);
    }
    expect(sinks.received.dingtalk.length + sinks.received.slack.length).toBe(2);
    const tokens = Object.values(sinks.urls).map((url) => {
      const parsed = new URL(url);
      return parsed.search
        ? (parsed.search.split('=')[1] ?? '')
        : (parsed.pathname.split('/').slice(-1)[0] ?? '');
    });
    const forbidden = [...Object.values(secrets), ...tokens, 'abcdef0123456789'];
    const outbox = await store.takeDueOutbox(clock.now() + 365 * 24 * 60 * MINUTE, 100, 1);
    const texts = [
      ...Object.values(sinks.received).flatMap((messages) => messages.map((message) => message.raw)),
      ...logLines,
      ...outbox.map((message) => JSON.stringify(message)),
    ];
    for (const secret of forbidden) {
      expect(secret.length).toBeGreaterThan(5);
      expect(
        texts.filter((text) => text.includes(secret)),
        secret,
      ).toEqual([]);
    }
    expect(logLines.length).toBeGreaterThan(5);
  });
});
