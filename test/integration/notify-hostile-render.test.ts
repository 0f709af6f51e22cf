import { describe, expect, it } from 'vitest';
import type { GroupSummary, MessageContent } from '../../lib/notify/channel.js';
import { DINGTALK_MAX_BYTES, renderDingtalk } from '../../lib/notify/channels/dingtalk.js';
import { FEISHU_MAX_BYTES, renderFeishu } from '../../lib/notify/channels/feishu.js';
import { renderSlack, SLACK_MAX_CHARS } from '../../lib/notify/channels/slack.js';
import { renderWebhook, WEBHOOK_MAX_BYTES } from '../../lib/notify/channels/webhook.js';
import { renderWecom, WECOM_MAX_BYTES } from '../../lib/notify/channels/wecom.js';
import type { SinkChannel } from '../../local/sinks/start-chat-sinks.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { relayNotice, startSinkHarness } from '../support/sink-harness.js';

const AT = Date.UTC(2026, 0, 1, 10, 0, 0);
/** Task names an attacker (or an unlucky operator) could give a relay task. */
const HOSTILE = [
  '[HD](http://evil.example/x)',
  '<font color="info">all fine</font>',
  '<!channel> <!here> <@U123> <at user_id="all">所有人</at>',
  '**bold** _it_ `code` ~strike~ # heading > quote | pipe',
  '<script>alert(1)</script> & &amp;',
  'line one\nline two\n\n### injected heading',
];
/** An emoji whose surrogate pair straddles the 600-unit detail cut (and the 150-char Slack header). */
const EMOJI_AT_CUT = `${'a'.repeat(599)}😀${'b'.repeat(50)}`;

function hostileGroup(): GroupSummary {
  const alerts = HOSTILE.map((name, index) => ({
    id: `relay:cn-shanghai:t${index}:offline`,
    status: 'firing' as const,
    title: `relay ${name} (t${index}) offline (PullStreamFailed)`,
    text: index === 0 ? EMOJI_AT_CUT : `detail of ${name}`,
    startsAt: AT,
  }));
  alerts.push({
    id: 'relay:cn-shanghai:emoji:offline',
    status: 'firing',
    title: `${'x'.repeat(140)}😀😀😀😀😀😀😀😀😀😀`,
    text: EMOJI_AT_CUT,
    startsAt: AT,
  });
  return {
    key: 'r/critical/relay/cn-shanghai/Offline',
    severity: 'critical',
    labels: { kind: 'relay', region: 'cn-shanghai', reason: 'Offline<!channel>' },
    firing: alerts,
    resolved: [],
    repeat: false,
  };
}

const content: MessageContent = { groups: [hostileGroup()], at: AT };

/** Every string in a body, recursively. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

function expectWellFormed(body: unknown): void {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  for (const text of strings(body)) expect(lone.test(text), JSON.stringify(text.slice(-20))).toBe(false);
  expect(JSON.stringify(body)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
}

describe('rendering hostile task names', () => {
  it('DingTalk markdown: no live link, tag, heading or emphasis from a task name', () => {
    const body = renderDingtalk(content, DINGTALK_MAX_BYTES);
    expectWellFormed(body);
    const text = body.markdown.text;
    expect(text).not.toMatch(/\]\(/);
    expect(text).not.toContain('<font');
    expect(text).not.toContain('<script');
    expect(text).not.toMatch(/\n#+ injected/);
    expect(text).not.toContain('http://evil');
    expect(text).toContain('［HD］');
    expect(text).toContain('\\*\\*bold\\*\\*');
  });

  it('WeCom markdown: only livewatch draws font tags; mentions and links stay text', () => {
    const body = renderWecom(content, WECOM_MAX_BYTES);
    if (body.msgtype !== 'markdown') throw new Error('expected markdown');
    expectWellFormed(body);
    const text = body.markdown.content;
    expect(text).not.toMatch(/<font color="info">all fine/);
    expect(text).not.toMatch(/<@U123>/);
    expect(text).not.toMatch(/\]\(/);
    const tags = text.match(/<font color="[a-z]+">/g) ?? [];
    // The title plus one "(since …)" per alert, all drawn by livewatch.
    expect(tags.length).toBe(1 + HOSTILE.length + 1);
  });

  it('Slack: <!channel> is inert in blocks and in the top-level text', () => {
    const body = renderSlack(content, SLACK_MAX_CHARS);
    expectWellFormed(body);
    const mrkdwn = [body.text, ...body.blocks.filter((b) => b.type === 'section').map((b) => b.text.text)];
    for (const text of mrkdwn) {
      expect(text).not.toMatch(/<!(channel|here)>/);
      expect(text).not.toMatch(/<@U123>/);
      expect(text).not.toContain('<script');
    }
    expect(mrkdwn.join('\n')).toContain('&lt;!channel&gt;');
    const header = body.blocks[0];
    expect(header?.type).toBe('header');
    expect(header?.text.text.length).toBeLessThanOrEqual(150);
  });

  it('Feishu: no <at> tag reaches a text element', () => {
    const body = renderFeishu(content, FEISHU_MAX_BYTES);
    expectWellFormed(body);
    const texts = strings(body.content.post.zh_cn.content);
    for (const text of texts) expect(text).not.toMatch(/<at /);
    expect(body.content.post.zh_cn.content.flat().every((element) => element.tag === 'text')).toBe(true);
  });

  it('webhook JSON keeps names verbatim but well-formed', () => {
    const body = renderWebhook(content, WEBHOOK_MAX_BYTES);
    expectWellFormed(body);
    expect(body.alerts[0]?.annotations.title).toContain('[HD](http://evil.example/x)');
  });
});

describe('hostile names through the real sinks', () => {
  const cleanup = cleanupAfterEach();

  it('every channel accepts the payload (valid JSON, within limits) and sends it once', async () => {
    const channels: SinkChannel[] = ['dingtalk', 'slack', 'feishu', 'wecom', 'webhook'];
    const harness = cleanup.close(await startSinkHarness({ channels }));
    for (const [index, name] of HOSTILE.entries()) {
      await harness.notifier.notify(
        relayNotice({
          task: `h${index}`,
          title: `relay ${name} offline`,
          text: EMOJI_AT_CUT,
          severity: 'critical',
        }),
      );
    }
    const report = await harness.notifier.flush();
    expect(report.dead).toBe(0);
    for (const channel of channels) {
      expect(harness.sinks.received[channel], channel).toHaveLength(1);
      const raw = harness.sinks.received[channel][0]?.raw ?? '';
      expect(raw).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    }
    expect(harness.sinks.replies.every((reply) => reply.status === 200)).toBe(true);
  });
});
