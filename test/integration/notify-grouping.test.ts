import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import type { Notice } from '../../lib/notify/notice.js';
import { relayNotice, type SinkHarness, startSinkHarness } from '../support/sink-harness.js';

const MINUTE = 60_000;
let harness: SinkHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface DingtalkSeen {
  readonly markdown: { readonly title: string; readonly text: string };
  readonly at: { readonly atMobiles: readonly string[] };
}

function dingtalkBody(message: { body: unknown } | undefined): DingtalkSeen {
  expect(message).toBeDefined();
  return message?.body as DingtalkSeen;
}

function markdownOf(message: { body: unknown } | undefined): string {
  return dingtalkBody(message).markdown.text;
}

describe('notification grouping (DingTalk sink, SQLite store, manual clock)', () => {
  it('folds two alerts that arrive within group_wait into one message', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks } = harness;
    await notifier.notify(relayNotice({ task: 'a1', at: clock.now() }));
    clock.advance(10_000);
    await notifier.notify(relayNotice({ task: 'a2', at: clock.now() }));
    expect((await notifier.flush()).sent).toBe(0);
    clock.advance(21_000);
    const report = await notifier.flush();
    expect(report).toMatchObject({ groupsFlushed: 1, sent: 1 });
    expect(sinks.received.dingtalk).toHaveLength(1);
    const text = markdownOf(sinks.received.dingtalk[0]);
    expect(text).toContain('relay a1 offline');
    expect(text).toContain('relay a2 offline');
    expect(text).toContain('2 firing');
  });

  it('sends a critical alert on the next flush and mentions the on-call phones in at AND text', async () => {
    harness = await startSinkHarness({
      channels: ['dingtalk'],
      env: { LIVEWATCH_DINGTALK_AT_MOBILES: '13800000000' },
    });
    const { notifier, sinks } = harness;
    await notifier.notify(relayNotice({ task: 'c1', severity: 'critical' }));
    expect((await notifier.flush()).sent).toBe(1);
    const body = sinks.received.dingtalk[0]?.body as {
      at: { atMobiles: string[] };
      markdown: { title: string };
    };
    expect(body.at.atMobiles).toEqual(['13800000000']);
    expect(markdownOf(sinks.received.dingtalk[0])).toContain('@13800000000');
    expect(body.markdown.title).toContain('[CRITICAL] relay c1 offline');
  });

  it('does not mention anyone for a warning', async () => {
    harness = await startSinkHarness({
      channels: ['dingtalk'],
      env: { LIVEWATCH_DINGTALK_AT_MOBILES: '13800000000', LIVEWATCH_GROUP_WAIT_S: '0' },
    });
    await harness.notifier.notify(relayNotice({ task: 'w1' }));
    await harness.notifier.flush();
    const body = dingtalkBody(harness.sinks.received.dingtalk[0]);
    expect(body.at.atMobiles).toEqual([]);
    expect(markdownOf(harness.sinks.received.dingtalk[0])).not.toContain('@13800000000');
  });

  it('waits group_interval before an update and repeats an unchanged group after repeat_interval', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks } = harness;
    await notifier.notify(relayNotice({ task: 'g1', severity: 'critical', at: clock.now() }));
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(1);

    clock.advance(MINUTE);
    await notifier.notify(relayNotice({ task: 'g2', severity: 'critical', at: clock.now() }));
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(1);

    clock.advance(4 * MINUTE); // 5 min after the first send: group_interval
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(2);
    const update = markdownOf(sinks.received.dingtalk[1]);
    expect(update).toContain('relay g1 offline');
    expect(update).toContain('relay g2 offline');

    clock.advance(60 * MINUTE);
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(2);

    clock.advance(3 * 60 * MINUTE); // 4 h after the last send
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(3);
    expect(dingtalkBody(sinks.received.dingtalk[2]).markdown.title).toContain('still firing');
  });

  it('sends a resolved message and then forgets the fully resolved group', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks, store } = harness;
    const notice = relayNotice({ task: 'r1', severity: 'critical' });
    await notifier.notify(notice);
    await notifier.flush();
    clock.advance(2 * MINUTE);
    await notifier.notify({ ...notice, status: 'resolved', at: clock.now() });
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(1);
    clock.advance(3 * MINUTE);
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(2);
    const body = dingtalkBody(sinks.received.dingtalk[1]);
    expect(body.markdown.title).toContain('[RESOLVED] relay r1 offline');
    expect(await store.groups.list()).toEqual([]);
  });

  it('never notifies an alert that fires and resolves within group_wait', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks, store } = harness;
    const notice = relayNotice({ task: 'flap' });
    await notifier.notify(notice);
    clock.advance(10_000);
    await notifier.notify({ ...notice, status: 'resolved', at: clock.now() });
    clock.advance(30_000);
    const report = await notifier.flush();
    expect(report.groupsFlushed).toBe(0);
    expect(sinks.received.dingtalk).toHaveLength(0);
    expect(await store.groups.list()).toEqual([]);
  });

  it('sends an info notice once, without needing a resolve', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks, store } = harness;
    await notifier.notify(
      relayNotice({
        task: 'i1',
        id: 'relay:cn-shanghai:i1:restarted',
        severity: 'info',
        reason: 'Restarted',
        title: 'relay i1 restarted',
      }),
    );
    clock.advance(30_000);
    await notifier.flush();
    clock.advance(5 * 60 * MINUTE);
    await notifier.flush();
    expect(sinks.received.dingtalk).toHaveLength(1);
    expect(markdownOf(sinks.received.dingtalk[0])).toContain('relay i1 restarted');
    expect(await store.groups.list()).toEqual([]);
  });

  it('keeps groups per (severity, kind, region, reason)', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'], env: { LIVEWATCH_GROUP_WAIT_S: '0' } });
    const { notifier, sinks } = harness;
    await notifier.notify(relayNotice({ task: 'k1' }));
    await notifier.notify(relayNotice({ task: 'k2', reason: 'PushStreamFailed' }));
    await notifier.notify(relayNotice({ task: 'k3', region: 'cn-beijing' }));
    await notifier.notify(relayNotice({ task: 'k4' }));
    const report = await notifier.flush();
    expect(report.groupsFlushed).toBe(3);
    expect(sinks.received.dingtalk).toHaveLength(3);
  });

  it('still groups and records notices with no channel configured, one log line per message', async () => {
    harness = await startSinkHarness({ channels: [] });
    const { notifier, clock, logLines, store } = harness;
    await notifier.notify(relayNotice({ task: 'l1', at: clock.now() }));
    await notifier.notify(relayNotice({ task: 'l2', at: clock.now() }));
    clock.advance(30_000);
    expect(await notifier.flush()).toMatchObject({ groupsFlushed: 1, sent: 1 });
    const lines = logLines.filter((line) => line.includes('"msg":"notification"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('relay l1 offline');
    expect(lines[0]).toContain('relay l2 offline');
    expect((await store.outboxStats()).sent).toBe(1);
  });

  it('rejects a malformed notice with a ValidationError naming the field', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const bad = { ...relayNotice({ task: 'bad' }), severity: 'urgent' } as unknown as Notice;
    await expect(harness.notifier.notify(bad)).rejects.toThrow(/severity/);
    await expect(harness.notifier.notify(bad)).rejects.toBeInstanceOf(ValidationError);
  });

  it('flushes a group once when two notifiers share the store', async () => {
    harness = await startSinkHarness({ channels: ['dingtalk'] });
    const { notifier, clock, sinks } = harness;
    await notifier.notify(relayNotice({ task: 'twin', severity: 'critical' }));
    // A second instance of the alert function: same settings, same store.
    const { createNotifier } = await import('../../lib/notify/create-notifier.js');
    const { loadConfig } = await import('../../lib/config/config.js');
    const { silentLogger } = await import('../../lib/log.js');
    const other = createNotifier({
      config: loadConfig({ LIVEWATCH_DINGTALK_WEBHOOK: sinks.urls.dingtalk }),
      store: harness.store,
      clock,
      log: silentLogger,
    });
    await Promise.all([notifier.flush(), other.flush()]);
    clock.advance(2 * MINUTE);
    await Promise.all([notifier.flush(), other.flush()]);
    expect(sinks.received.dingtalk).toHaveLength(1);
  });
});
