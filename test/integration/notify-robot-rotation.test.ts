import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { ConfigError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import { readRoutingFile } from '../../lib/notify/routing-file.js';
import { createStore } from '../../lib/store/create-store.js';
import { type ChatSinks, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { relayNotice } from '../support/sink-harness.js';

const ROBOTS = [
  { name: 'r1', secret: 'SECrobot-one-0123456789', keyword: 'LW-ONE' },
  { name: 'r2', secret: 'SECrobot-two-0123456789', keyword: 'LW-TWO' },
  { name: 'r3', secret: 'SECrobot-three-012345678', keyword: 'LW-THREE' },
];

const cleanup = cleanupAfterEach();

/** A routing file whose one receiver rotates the sink's robots, each with its own secret and keyword. */
function routesFile(dir: string, chat: ChatSinks, robots: typeof ROBOTS): string {
  const path = join(dir, 'routes.yaml');
  const lines = ['receivers:', '  - name: ops', '    type: dingtalk', '    robots:'];
  for (const robot of robots) {
    const url = chat.dingtalkRobot(robot.name, { secret: robot.secret, keyword: robot.keyword });
    lines.push(`      - { url: "${url}", secret: "${robot.secret}", keyword: "${robot.keyword}" }`);
  }
  lines.push('route:', '  receivers: [ops]', '');
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** Chat sinks, a SQLite store and a notifier whose one receiver rotates `robots`, criticals sent at once. */
async function startRotation(robots = ROBOTS) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 10));
  const sinks = cleanup.close(await startChatSinks({ clock }));
  const dir = cleanup.tempDir('livewatch-rotation-');
  const store = cleanup.close(await createStore(`sqlite:${join(dir, 'state.db')}`));
  const config = loadConfig({
    LIVEWATCH_ROUTES_FILE: routesFile(dir, sinks, robots),
    LIVEWATCH_GROUP_WAIT_CRITICAL_S: '0',
  });
  const notifier = createNotifier({ config, store, clock, log: createLogger({ level: 'error' }) });
  /** Pages tasks t<from>..t<to - 1>, each with its own reason (so each is its own group). */
  const page = async (from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      await notifier.notify(
        relayNotice({ task: `t${i}`, severity: 'critical', reason: `Reason${i}`, at: clock.now() }),
      );
    }
  };
  return { clock, sinks, store, notifier, page };
}

describe('DingTalk robot rotation (several robots in one receiver)', () => {
  it('gets past 20/min per robot: 50 pages in one minute over 3 robots, each paced on its own, none throttled', async () => {
    const { sinks, store, notifier, page } = await startRotation();
    // 50 groups (one reason each): 50 messages due at once.
    await page(0, 50);
    const report = await notifier.flush();
    expect(report).toMatchObject({ sent: 50, retried: 0, dead: 0, digested: 0 });
    const perRobot = (name: string) => sinks.received.dingtalk.filter((m) => m.robot === name);
    for (const robot of ROBOTS) {
      const got = perRobot(robot.name);
      // Within the 18/min pace of each robot (17 singles leave the 18th slot for a digest).
      expect(got.length, robot.name).toBeGreaterThanOrEqual(16);
      expect(got.length, robot.name).toBeLessThanOrEqual(17);
      // Signed with its own secret and carrying its own keyword (the sink refuses anything else: 310000).
      for (const message of got) expect(message.raw).toContain(robot.keyword);
    }
    expect(sinks.replies.filter((r) => r.channel === 'dingtalk' && !r.reply.includes('"errcode":0'))).toEqual(
      [],
    );

    // 2 slots are left this minute (r3's 17th single, then one robot's reserved 18th): 10 more pages
    // go out as 1 single and 1 digest folding the other 9 — no robot over its pace, nothing dropped.
    await page(50, 60);
    expect(await notifier.flush()).toMatchObject({ sent: 2, digested: 9, dead: 0 });
    const total = ROBOTS.map((r) => perRobot(r.name).length);
    expect(Math.max(...total)).toBeLessThanOrEqual(18);
    expect(total.reduce((a, b) => a + b, 0)).toBe(52);
    expect(await store.outboxStats()).toMatchObject({ pending: 0, dead: 0 });
  });

  it('a robot answering 130101 is left for the flush; the other robots carry the messages', async () => {
    const { clock, sinks, store, notifier, page } = await startRotation(ROBOTS.slice(0, 2));
    await page(0, 6);
    // The first request (robot r1, first in turn) is throttled by DingTalk.
    sinks.failNext('dingtalk', 1, {
      body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
    });
    const report = await notifier.flush();
    expect(report).toMatchObject({ sent: 5, retried: 1, dead: 0 });
    expect(sinks.received.dingtalk.map((m) => m.robot)).toEqual(['r2', 'r2', 'r2', 'r2', 'r2']);
    // After DingTalk's wait the throttled message goes out, not counted as a failed attempt.
    clock.advance(61_000);
    expect(await notifier.flush()).toMatchObject({ sent: 1, dead: 0 });
    expect(await store.outboxStats()).toMatchObject({ pending: 0, dead: 0 });
  });

  it.each([
    [
      'url and robots',
      'url: "http://127.0.0.1:9/a", robots: [{ url: "http://127.0.0.1:9/b" }, { url: "http://127.0.0.1:9/c" }]',
      'give either url or robots',
    ],
    ['one robot', 'robots: [{ url: "http://127.0.0.1:9/b" }]', 'rotate at least 2 robots'],
    [
      'a shared url',
      'robots: [{ url: "http://127.0.0.1:9/b" }, { url: "http://127.0.0.1:9/b" }]',
      'each robot needs its own url',
    ],
    [
      'a receiver-wide secret',
      'secret: SEC1, robots: [{ url: "http://127.0.0.1:9/b" }, { url: "http://127.0.0.1:9/c" }]',
      'with robots, each robot carries its own secret',
    ],
  ])('refuses %s, naming the path', (_what, fields, message) => {
    const path = join(cleanup.tempDir('livewatch-rotation-'), 'routes.yaml');
    writeFileSync(path, `receivers:\n  - { name: ops, type: dingtalk, ${fields} }\n`);
    expect(() => readRoutingFile(path)).toThrow(ConfigError);
    expect(() => readRoutingFile(path)).toThrow(
      new RegExp(`LIVEWATCH_ROUTES_FILE: .*routes.yaml: receivers\\.0\\.(url|robots): ${message}`),
    );
  });
});
