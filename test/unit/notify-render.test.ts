import { describe, expect, it } from 'vitest';
import type { AlertLine, GroupSummary, MessageContent } from '../../lib/notify/channel.js';
import { DINGTALK_MAX_BYTES, renderDingtalk } from '../../lib/notify/channels/dingtalk.js';
import { FEISHU_MAX_BYTES, renderFeishu } from '../../lib/notify/channels/feishu.js';
import { renderSlack, SLACK_MAX_CHARS } from '../../lib/notify/channels/slack.js';
import { renderWebhook } from '../../lib/notify/channels/webhook.js';
import { renderWecom, WECOM_MAX_BYTES } from '../../lib/notify/channels/wecom.js';
import { countPhrase, fitEntries, formatTime, utf8Bytes } from '../../lib/notify/render-outline.js';

const AT = Date.UTC(2026, 0, 1, 10, 0, 0);

function alert(index: number, status: 'firing' | 'resolved' = 'firing', text = 'pull failed'): AlertLine {
  return {
    id: `relay:cn-shanghai:t${index}:offline`,
    status,
    title: `relay t${index} offline (PullStreamFailed)`,
    text,
    startsAt: AT,
    ...(status === 'resolved' ? { endsAt: AT + 60_000 } : {}),
  };
}

function group(
  firing: number,
  resolved = 0,
  severity: GroupSummary['severity'] = 'critical',
  text?: string,
): GroupSummary {
  return {
    key: `dingtalk/${severity}/relay/cn-shanghai/PullStreamFailed`,
    severity,
    labels: {
      channel: 'dingtalk',
      severity,
      kind: 'relay',
      region: 'cn-shanghai',
      reason: 'PullStreamFailed',
    },
    firing: Array.from({ length: firing }, (_, i) => alert(i, 'firing', text)),
    resolved: Array.from({ length: resolved }, (_, i) => alert(firing + i, 'resolved', text)),
    repeat: false,
  };
}

const content = (...groups: GroupSummary[]): MessageContent => ({ groups, at: AT });
/** 1,000 alerts with 1 KB of mixed-script text each: far over every channel's limit. */
const huge = content(group(1000, 0, 'critical', '源站拉流失败 source failed '.repeat(40)));

describe('message rendering within channel limits', () => {
  it('counts firing and resolved alerts', () => {
    expect(countPhrase(3, 1)).toBe('3 firing, 1 resolved');
    expect(countPhrase(0, 2)).toBe('2 resolved');
    const body = renderDingtalk(content(group(3, 1)), DINGTALK_MAX_BYTES);
    expect(body.markdown.title).toContain('3 firing, 1 resolved');
    expect(body.markdown.text).toContain('✅');
  });

  it('keeps a DingTalk body under 20,000 bytes and says how much was left out', () => {
    const body = renderDingtalk(huge, DINGTALK_MAX_BYTES, { mentions: { mobiles: ['13800000000'] } });
    expect(utf8Bytes(JSON.stringify(body))).toBeLessThanOrEqual(DINGTALK_MAX_BYTES);
    expect(body.markdown.text).toMatch(/\d+ more alerts not shown/);
    expect(body.markdown.text).toContain('@13800000000');
  });

  it('mentions on new firing critical messages only: never resolved, partial recovery or repeats', () => {
    const mentions = { mentions: { mobiles: ['13800000000'], userIds: ['oncall1'] } };
    const first = renderDingtalk(content(group(1)), DINGTALK_MAX_BYTES, mentions);
    expect(first.at).toEqual({ atMobiles: ['13800000000'], atUserIds: ['oncall1'], isAtAll: false });
    expect(first.markdown.text).toContain('@13800000000 @oncall1');
    expect(
      renderDingtalk(content(group(1, 0, 'warning')), DINGTALK_MAX_BYTES, mentions).at.atMobiles,
    ).toEqual([]);
    const resolved = renderDingtalk(content(group(0, 1)), DINGTALK_MAX_BYTES, mentions);
    expect(resolved.at.atMobiles).toEqual([]);
    expect(resolved.markdown.title).toContain('[RESOLVED]');
    const partial = renderDingtalk(content(group(2, 1)), DINGTALK_MAX_BYTES, mentions);
    expect(partial.at.atMobiles).toEqual([]);
    expect(partial.markdown.text).not.toContain('@13800000000');
    const repeat = renderDingtalk(content({ ...group(2), repeat: true }), DINGTALK_MAX_BYTES, mentions);
    expect(repeat.at.atUserIds).toEqual([]);
    const warnings = { mentions: { all: true, on: ['warning' as const] } };
    expect(renderDingtalk(content(group(1, 0, 'warning')), DINGTALK_MAX_BYTES, warnings).at.isAtAll).toBe(
      true,
    );
  });

  it('fits Slack Block Kit limits', () => {
    const body = renderSlack(huge, SLACK_MAX_CHARS);
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    const [header, ...sections] = body.blocks;
    expect(header?.type).toBe('header');
    expect(header?.text.text.length).toBeLessThanOrEqual(150);
    for (const section of sections) expect(section.text.text.length).toBeLessThanOrEqual(3000);
    const total = body.blocks.reduce((sum, block) => sum + block.text.text.length, 0);
    expect(total).toBeLessThanOrEqual(SLACK_MAX_CHARS);
    expect(body.text).toContain('1000 firing');
  });

  it('escapes Slack control characters in alert text', () => {
    const body = renderSlack(content(group(1, 0, 'critical', 'a <b> & c')), SLACK_MAX_CHARS);
    expect(JSON.stringify(body.blocks)).toContain('a &lt;b&gt; &amp; c');
  });

  it('keeps WeCom markdown content within 4096 bytes', () => {
    const body = renderWecom(huge, WECOM_MAX_BYTES);
    if (body.msgtype !== 'markdown') throw new Error('expected markdown');
    expect(utf8Bytes(body.markdown.content)).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(body.markdown.content).toMatch(/more alerts not shown/);
  });

  it('keeps a Feishu post within 20 KB', () => {
    const body = renderFeishu(huge, FEISHU_MAX_BYTES);
    expect(utf8Bytes(JSON.stringify(body))).toBeLessThanOrEqual(FEISHU_MAX_BYTES);
    expect(body.msg_type).toBe('post');
  });

  it('renders an Alertmanager-like webhook body and counts truncated alerts', () => {
    const small = renderWebhook(content(group(2, 1)), 64_000);
    expect(small).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'livewatch',
      truncatedAlerts: 0,
    });
    expect(small.alerts).toHaveLength(3);
    expect(small.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'PullStreamFailed', severity: 'critical', id: 'relay:cn-shanghai:t0:offline' },
      annotations: { title: 'relay t0 offline (PullStreamFailed)' },
      endsAt: '0001-01-01T00:00:00Z',
    });
    expect(small.alerts[2]?.endsAt).toBe(new Date(AT + 60_000).toISOString());
    const big = renderWebhook(huge, 64_000);
    expect(utf8Bytes(JSON.stringify(big))).toBeLessThanOrEqual(64_000);
    expect(big.truncatedAlerts + big.alerts.length).toBe(1000);
    expect(big.truncatedAlerts).toBeGreaterThan(0);
  });

  it('titles a digest with its group count and says what follows', () => {
    const digest: MessageContent = { groups: [group(1), group(2, 0, 'warning')], at: AT, pendingGroups: 4 };
    const body = renderDingtalk(digest, DINGTALK_MAX_BYTES);
    expect(body.markdown.title).toContain('2 alert groups (3 firing)');
    expect(body.markdown.text).toContain('4 more alert groups pending');
  });

  it('fitEntries keeps whole entries and counts omitted alerts, not lines or headings', () => {
    const entries = [
      { text: 'head', alerts: 0 },
      { text: 'a1\nd1', alerts: 1 },
      { text: 'a2\nd2', alerts: 1 },
      { text: 'a3\nd3', alerts: 1 },
    ];
    const fitted = fitEntries(entries, 16, { joiner: '\n', measure: utf8Bytes, more: (n) => `+${n}` });
    expect(fitted).toEqual({ text: 'head\na1\nd1\n+2', omitted: 2 });
  });

  it('writes zh-CN wording and times in the configured time zone; info is never "firing"', () => {
    expect(formatTime(AT, 'Asia/Shanghai')).toBe('2026-01-01 18:00:00 UTC+8');
    expect(formatTime(AT)).toBe('2026-01-01 10:00:00 UTC');
    const zh: MessageContent = {
      groups: [group(2, 1)],
      at: AT,
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
    };
    const body = renderDingtalk(zh, DINGTALK_MAX_BYTES);
    expect(body.markdown.title).toContain('[严重] 2 条告警中，1 条已恢复');
    expect(body.markdown.text).toContain('开始于 2026-01-01 18:00:00 UTC+8');
    const info: MessageContent = { groups: [group(3, 0, 'info')], at: AT };
    const notices = renderDingtalk(info, DINGTALK_MAX_BYTES);
    expect(notices.markdown.title).toContain('[INFO] 3 notices');
    expect(notices.markdown.text).not.toContain('firing');
  });

  it('colours WeCom by what happened: resolved green, firing warnings orange-red, notices grey', () => {
    const colour = (c: MessageContent) => {
      const body = renderWecom(c, WECOM_MAX_BYTES);
      return body.msgtype === 'markdown'
        ? /<font color="(\w+)">/.exec(body.markdown.content)?.[1]
        : undefined;
    };
    expect(colour(content(group(0, 2)))).toBe('info');
    expect(colour(content(group(2, 0, 'warning')))).toBe('warning');
    expect(colour(content(group(2)))).toBe('warning');
    expect(colour(content(group(2, 0, 'info')))).toBe('comment');
  });

  it('summarises WeCom: 300 alerts with long details are all listed, one line each', () => {
    const body = renderWecom(content(group(60, 0, 'critical', 'x'.repeat(500))), WECOM_MAX_BYTES);
    if (body.msgtype !== 'markdown') throw new Error('expected markdown');
    const listed = body.markdown.content.split('\n').filter((line) => line.includes('relay t'));
    expect(listed.length).toBeGreaterThan(20);
    const many = renderWecom(content(group(300, 0, 'critical', 'x'.repeat(500))), WECOM_MAX_BYTES);
    if (many.msgtype !== 'markdown') throw new Error('expected markdown');
    const shown = many.markdown.content.split('\n').filter((line) => line.includes('relay t')).length;
    const omitted = Number(/(\d+) more alerts not shown/.exec(many.markdown.content)?.[1]);
    expect(shown + omitted).toBe(300);
    expect(shown).toBeGreaterThan(20);
  });
});
