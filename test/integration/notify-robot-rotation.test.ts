import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { ConfigError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import { readRoutingFile } from '../../lib/notify/routing-file.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { type ChatSinks, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { relayNotice } from '../support/sink-harness.js';

const ROBOTS = [
  { name: 'r1', secret: 'SECrobot-one-0123456789', keyword: 'LW-ONE' },
  { name: 'r2', secret: 'SECrobot-two-0123456789', keyword: 'LW-TWO' },
  { name: 'r3', secret: 'SECrobot-three-012345678', keyword: 'LW-THREE' },
];

let sinks: ChatSinks | undefined;
let store: Store | undefined;
let dir: string | undefined;

afterEach(async () => {
  await sinks?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sinks = store = dir = undefined;
});

/** A routing file whose one receiver rotates the sink's robots, each with its own secret and keyword. */
function routesFile(chat: ChatSinks, robots = ROBOTS): string {
  dir = mkdtempSync(join(tmpdir(), 'livewatch-rotation-'));
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

describe('DingTalk robot rotation (several robots in one receiver)', () => {
  it('gets past 20/min per robot: 50 pages in one minute over 3 robots, each paced on its own, none throttled', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10));
    sinks = await startChatSinks({ clock });
    const path = routesFile(sinks);
    store = await createStore(`sqlite:${join(dir ?? '', 'state.db')}`);
    const config = loadConfig({ LIVEWATCH_ROUTES_FILE: path, LIVEWATCH_GROUP_WAIT_CRITICAL_S: '0' });
    const notifier = createNotifier({ config, store, clock, log: createLogger({ level: 'error' }) });
    // 50 groups (one reason each): 50 messages due at once.
    for (let i = 0; i < 50; i += 1) {
      await notifier.notify(
        relayNotice({ task: `t${i}`, severity: 'critical', reason: `Reason${i}`, at: clock.now() }),
      );
    }
    const report = await notifier.flush();
    expect(report).toMatchObject({ sent: 50, retried: 0, dead: 0, digested: 0 });
    const perRobot = (name: string) => sinks?.received.dingtalk.filter((m) => m.robot === name) ?? [];
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
    for (let i = 50; i < 60; i += 1) {
      await notifier.notify(
        relayNotice({ task: `t${i}`, severity: 'critical', reason: `Reason${i}`, at: clock.now() }),
      );
    }
    expect(await notifier.flush()).toMatchObject({ sent: 2, digested: 9, dead: 0 });
    const total = ROBOTS.map((r) => perRobot(r.name).length);
    expect(Math.max(...total)).toBeLessThanOrEqual(18);
    expect(total.reduce((a, b) => a + b, 0)).toBe(52);
    expect(await store.outboxStats()).toMatchObject({ pending: 0, dead: 0 });
  });

  it('a robot answering 130101 is left for the flush; the other robots carry the messages', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10));
    sinks = await startChatSinks({ clock });
    const path = routesFile(sinks, ROBOTS.slice(0, 2));
    store = await createStore(`sqlite:${join(dir ?? '', 'state.db')}`);
    const config = loadConfig({ LIVEWATCH_ROUTES_FILE: path, LIVEWATCH_GROUP_WAIT_CRITICAL_S: '0' });
    const notifier = createNotifier({ config, store, clock, log: createLogger({ level: 'error' }) });
    for (let i = 0; i < 6; i += 1) {
      await notifier.notify(
        relayNotice({ task: `t${i}`, severity: 'critical', reason: `Reason${i}`, at: clock.now() }),
      );
    }
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
    dir = mkdtempSync(join(tmpdir(), 'livewatch-rotation-'));
    const path = join(dir, 'routes.yaml');
    writeFileSync(path, `receivers:\n  - { name: ops, type: dingtalk, ${fields} }\n`);
    expect(() => readRoutingFile(path)).toThrow(ConfigError);
    expect(() => readRoutingFile(path)).toThrow(
      new RegExp(`LIVEWATCH_ROUTES_FILE: .*routes.yaml: receivers\\.0\\.(url|robots): ${message}`),
    );
  });
});
