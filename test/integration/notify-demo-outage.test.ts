import { describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { type Clock, systemClock } from '../../lib/clock.js';
import { type ReceivedMessage, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/** The README demo: one origin (vod-cdn.example.org) feeding 7 relay tasks drops, then comes back. */
const HOST = 'vod-cdn.example.org';
const TASKS = Array.from({ length: 7 }, (_, i) => `demo-${i}`);
const MOBILE = '13800000000';
const cleanup = cleanupAfterEach();

interface Seen {
  readonly title: string;
  readonly mentions: boolean;
}

function dingtalkSeen(message: ReceivedMessage): Seen {
  const body = message.body as { markdown: { title: string }; at: { atMobiles: string[] } };
  return { title: body.markdown.title, mentions: body.at.atMobiles.length > 0 };
}

function slackSeen(message: ReceivedMessage): Seen {
  const body = message.body as { text: string };
  return { title: body.text, mentions: body.text.includes('<!here>') };
}

describe('the README demo outage, counted per receiver', () => {
  it('pages once when the breaker trips, folds the per-task pages, resolves once, repeats nothing', async () => {
    // The sinks count their rate limits on the harness's clock (created below), as the notifier does.
    let h: RemediateHarness | undefined;
    const clock: Clock = {
      now: () => h?.clock.now() ?? Date.now(),
      sleep: (ms, signal) => (h ? h.clock.sleep(ms, signal) : systemClock.sleep(ms, signal)),
    };
    const sinks = cleanup.close(await startChatSinks({ clock }));
    const harness = cleanup.close(
      await startRemediateHarness({
        env: {
          LIVEWATCH_BREAKER_THRESHOLD: '5',
          LIVEWATCH_BREAKER_WINDOW_S: '120',
          LIVEWATCH_BREAKER_COOLDOWN_S: '300',
          LIVEWATCH_GROUP_WAIT_S: '5',
          LIVEWATCH_GROUP_INTERVAL_S: '30',
          LIVEWATCH_REPEAT_INTERVAL_S: '60',
          LIVEWATCH_DINGTALK_WEBHOOK: sinks.urls.dingtalk,
          LIVEWATCH_DINGTALK_AT_MOBILES: MOBILE,
          LIVEWATCH_SLACK_WEBHOOK: sinks.urls.slack,
          // No poller runs in this harness: keep the heartbeat alert out of the count.
          LIVEWATCH_HEARTBEAT_MAX_AGE_S: '86400',
        },
      }),
    );
    h = harness;
    for (const id of TASKS) harness.addRunningTask(id, { sourceUrls: [`https://${HOST}/vod/${id}.m3u8`] });
    const tick = async (ms: number) => {
      await harness.advance(ms);
      await runTick(harness.deps);
    };

    // The origin drops: the platform retries (recovering), then gives up (offline).
    harness.emulator.faults.failSource({ host: HOST });
    await harness.advance(1_000);
    await handleEvents(
      harness.deps,
      TASKS.map((id) => harness.eventFor(id, 'recovering', { reason: 'PullStreamFailed' })),
    );
    await tick(10_000);
    await harness.advance(170_000);
    await handleEvents(
      harness.deps,
      TASKS.map((id) => harness.eventFor(id, 'offline', { reason: 'PullStreamFailed' })),
    );
    for (let i = 0; i < 8; i += 1) await tick(15_000); // two minutes of ticks while the breaker is open

    // The origin comes back: the probe holds, the breaker closes, the others restart and hold.
    harness.emulator.faults.recoverSource({ host: HOST });
    for (let i = 0; i < 30; i += 1) await tick(15_000);
    expect((await harness.store.breakers.get(`host:${HOST}`))?.value.state).toBe('closed');
    for (const id of TASKS) expect(harness.emulator.task(id)?.status, id).toBe(1);
    const settled = { dingtalk: sinks.received.dingtalk.length, slack: sinks.received.slack.length };

    // Nothing after recovery, however long the repeat interval lets it wait.
    for (let i = 0; i < 20; i += 1) await tick(60_000);
    expect(sinks.received.dingtalk).toHaveLength(settled.dingtalk);
    expect(sinks.received.slack).toHaveLength(settled.slack);

    for (const [receiver, seen] of [
      ['dingtalk', sinks.received.dingtalk.map(dingtalkSeen)],
      ['slack', sinks.received.slack.map(slackSeen)],
    ] as const) {
      // Pages: new critical messages. Repeats of the still-open breaker (every 60 s here) never mention.
      const critical = seen.filter(
        (s) => s.title.includes('[CRITICAL]') && !s.title.includes('(still firing)'),
      );
      const repeats = seen.filter((s) => s.title.includes('(still firing)'));
      expect(
        repeats.every((s) => !s.mentions && s.title.includes('mass failure')),
        receiver,
      ).toBe(true);
      expect(
        critical.map((s) => s.title),
        receiver,
      ).toEqual([expect.stringContaining(`mass failure on host:${HOST}`)]);
      const resolved = seen.filter((s) => s.title.includes('[RESOLVED]'));
      expect(
        resolved.map((s) => s.title),
        receiver,
      ).toEqual([expect.stringContaining(`mass failure on host:${HOST} over`)]);
      // Nothing repeated after the resolved message.
      const resolvedAt = seen.findIndex((s) => s.title.includes('[RESOLVED]'));
      expect(
        seen.slice(resolvedAt + 1).filter((s) => s.title.includes('mass failure')),
        receiver,
      ).toEqual([]);
      // No per-task page, no second page, no warning about the folded tasks.
      expect(
        seen.filter((s) => /\[WARNING\]|offline \(|recovering \(/.test(s.title)),
        receiver,
      ).toEqual([]);
      if (receiver === 'dingtalk') {
        expect(seen.filter((s) => s.mentions)).toEqual([critical[0]]);
      }
    }
    const resolvedBody = JSON.stringify(
      sinks.received.dingtalk.find((m) => m.raw.includes('[RESOLVED]'))?.body,
    );
    // It names what recovered (the probe at least) and what still needs a person (nobody here).
    expect(resolvedBody).toMatch(/recovered \(\d\): match-demo-/);
    expect(resolvedBody).toContain('nothing needs a person');
    expect(sinks.replies.every((reply) => reply.status === 200 && !reply.reply.includes('130101'))).toBe(
      true,
    );
  });
});
