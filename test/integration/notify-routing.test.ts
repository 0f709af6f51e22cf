import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { ConfigError } from '../../lib/errors.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import { createRouting, matchRoutes } from '../../lib/notify/create-routing.js';
import { createStore } from '../../lib/store/create-store.js';
import { startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { relayNotice } from '../support/sink-harness.js';
import { thrownBy } from '../support/thrown-by.js';

const cleanup = cleanupAfterEach();

function writeRoutes(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configError(env: Record<string, string>): ConfigError {
  return thrownBy(ConfigError, () => createRouting(loadConfig(env), new ManualClock(0), silentLogger));
}

describe('the routing file', () => {
  it('names the file, the path inside it and the rule for every mistake', () => {
    const dir = cleanup.tempDir('livewatch-routes-');
    const path = writeRoutes(
      dir,
      'routes.yaml',
      [
        'receivers:',
        '  - { name: a, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=x" }',
        '  - { name: b, type: pager, url: "https://x" }',
        'route:',
        '  routes:',
        '    - match: { taskName: "([" }',
        '      receivers: [a]',
        '    - receivers: [nobody]',
      ].join('\n'),
    );
    const error = configError({ LIVEWATCH_ROUTES_FILE: path });
    expect(error.issues.every((issue) => issue.variable === 'LIVEWATCH_ROUTES_FILE')).toBe(true);
    expect(error.message).toContain(`${path}: receivers.1.type`);
    expect(error.message).toContain(
      `${path}: route.routes.0.match.taskName: must be a valid regular expression`,
    );
    const unknown = writeRoutes(
      dir,
      'unknown.json',
      JSON.stringify({ route: { routes: [{ receivers: ['nobody'] }] } }),
    );
    expect(configError({ LIVEWATCH_ROUTES_FILE: unknown }).message).toContain(
      'route.routes.0.receivers: no receiver named nobody',
    );
    expect(configError({ LIVEWATCH_ROUTES_FILE: join(dir, 'missing.yaml') }).message).toContain(
      'cannot read the file (ENOENT)',
    );
    expect(
      configError({ LIVEWATCH_ROUTES_FILE: writeRoutes(dir, 'bad.yaml', 'route: [1, 2') }).message,
    ).toContain('not valid YAML/JSON');
  });

  it('walks the tree like Alertmanager: first match wins, continue goes on, no match stays at the parent', () => {
    const path = writeRoutes(
      cleanup.tempDir('livewatch-routes-'),
      'tree.yaml',
      [
        'receivers:',
        '  - { name: sh-oncall, type: slack, url: "https://hooks.slack.com/services/T/B/1" }',
        '  - { name: vod-team, type: slack, url: "https://hooks.slack.com/services/T/B/2" }',
        '  - { name: quiet, type: slack, url: "https://hooks.slack.com/services/T/B/3" }',
        'route:',
        '  receivers: [quiet]',
        '  routes:',
        '    - name: vod',
        '      match: { sourceHost: vod-cdn.example.org }',
        '      receivers: [vod-team]',
        '      continue: true',
        '    - name: shanghai-critical',
        '      match: { severity: critical, region: cn-shanghai }',
        '      receivers: [sh-oncall]',
        '      repeatIntervalS: 600',
        '      language: zh-CN',
        '      routes:',
        '        - { name: hd, match: { taskName: "^cam-hd" }, receivers: [sh-oncall, vod-team] }',
      ].join('\n'),
    );
    const routing = createRouting(
      loadConfig({ LIVEWATCH_ROUTES_FILE: path }),
      new ManualClock(0),
      silentLogger,
    );
    const ids = (labels: Parameters<typeof matchRoutes>[1]) =>
      matchRoutes(routing.root, labels).map((r) => r.id);
    const base = { kind: 'relay', region: 'cn-shanghai', reason: 'Offline', sourceHosts: [] };
    expect(ids({ ...base, severity: 'info' })).toEqual(['default']);
    expect(ids({ ...base, severity: 'critical' })).toEqual(['shanghai-critical']);
    expect(ids({ ...base, severity: 'critical', taskName: 'cam-hd-1' })).toEqual(['hd']);
    expect(ids({ ...base, severity: 'critical', sourceHosts: ['vod-cdn.example.org'] })).toEqual([
      'vod',
      'shanghai-critical',
    ]);
    const shanghai = routing.byId.get('shanghai-critical');
    expect(shanghai?.timings.repeatIntervalMs).toBe(600_000);
    expect(shanghai).toMatchObject({ language: 'zh-CN', timeZone: 'Asia/Shanghai' });
    // Children inherit what they do not set.
    expect(routing.byId.get('hd')).toMatchObject({
      language: 'zh-CN',
      timings: { repeatIntervalMs: 600_000 },
    });
  });
});

describe('routing through the real sinks', () => {
  it('sends criticals to two DingTalk robots with their own mentions, info to a quiet receiver only', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10));
    const sinks = cleanup.close(await startChatSinks({ clock }));
    const dir = cleanup.tempDir('livewatch-routes-');
    const store = cleanup.close(await createStore(`sqlite:${join(dir, 'state.db')}`));
    const path = writeRoutes(
      dir,
      'routes.yaml',
      [
        'receivers:',
        `  - name: robot-a`,
        `    type: dingtalk`,
        `    url: "${sinks.dingtalkRobot('a')}"`,
        '    mentions: { mobiles: ["13800000001"] }',
        `  - name: robot-b`,
        `    type: dingtalk`,
        `    url: "${sinks.dingtalkRobot('b')}"`,
        '    mentions: { userIds: [oncall-b], all: true }',
        'route:',
        '  receivers: [slack]',
        '  routes:',
        '    - { match: { severity: critical }, receivers: [robot-a, robot-b], language: zh-CN }',
      ].join('\n'),
    );
    const config = loadConfig({
      LIVEWATCH_ROUTES_FILE: path,
      LIVEWATCH_SLACK_WEBHOOK: sinks.urls.slack,
      LIVEWATCH_GROUP_WAIT_S: '0',
    });
    const log = createLogger({ level: 'error', sink: () => undefined });
    const notifier = createNotifier({ config, store, clock, log });
    await notifier.notify(relayNotice({ task: 'c1', severity: 'critical' }));
    await notifier.notify(
      relayNotice({ task: 'i1', severity: 'info', reason: 'Restarted', title: 'relay i1 restart requested' }),
    );
    await notifier.flush();
    clock.advance(2_000);
    await notifier.flush();
    const robots = sinks.received.dingtalk.map((m) => m.robot).sort();
    expect(robots).toEqual(['a', 'b']);
    const a = sinks.received.dingtalk.find((m) => m.robot === 'a')?.body as {
      at: unknown;
      markdown: { title: string };
    };
    const b = sinks.received.dingtalk.find((m) => m.robot === 'b')?.body as { at: unknown };
    expect(a.at).toEqual({ atMobiles: ['13800000001'], atUserIds: [], isAtAll: false });
    expect(b.at).toEqual({ atMobiles: [], atUserIds: ['oncall-b'], isAtAll: true });
    expect(a.markdown.title).toContain('[严重]');
    expect(sinks.received.slack.map((m) => (m.body as { text: string }).text)).toEqual([
      expect.stringContaining('relay i1 restart requested'),
    ]);
  });
});
