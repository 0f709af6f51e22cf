import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import type { Silence } from '../../lib/store/store.js';
import { type ChatSinks, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { cleanEnv, expectFailure, expectSuccess, runCli } from '../support/cli-process.js';
import { relayNotice } from '../support/sink-harness.js';
import {
  openStore,
  reportLegNotRun,
  type StoreLocation,
  storeAdapterCases,
} from '../support/store-adapters.js';

function envOf(location: StoreLocation): Record<string, string> {
  return cleanEnv({
    LIVEWATCH_STORE_URL: location.url,
    LIVEWATCH_LOG_LEVEL: 'warn',
    ...(location.redisPrefix ? { LIVEWATCH_REDIS_PREFIX: location.redisPrefix } : {}),
  });
}

const silence = (location: StoreLocation, ...args: string[]) =>
  runCli(['silence', ...args], { env: envOf(location) });

const task = (id: string) => ({ kind: 'relay' as const, region: 'cn-shanghai', id, name: `HD ${id}` });

for (const leg of storeAdapterCases()) {
  describe(`livewatch silence (CLI, spawned) over ${leg.name}`, () => {
    if (reportLegNotRun('silence-cli', leg)) return;
    let sinks: ChatSinks;
    // The sinks' rate limits run on the notifier's clock: with the real one, two Slack posts one
    // real second apart (the fast CLI's expire in between) are a 429 whatever the test's clock says.
    const clock = new ManualClock(Date.now());
    beforeAll(async () => {
      await leg.start();
      sinks = await startChatSinks({ clock });
    });
    afterAll(async () => {
      await sinks.close();
      await leg.stop();
    });

    it('adds a silence every instance honours: matching alerts are recorded, not sent, until it is expired', async () => {
      const location = leg.fresh();
      const added = await silence(
        location,
        'add',
        '--source-host',
        'Origin.Example.com',
        '--severity',
        'critical,warning',
        '--duration',
        '2h',
        '--author',
        'ana',
        '--comment',
        'CDN maintenance, ticket OPS-42',
        '--json',
      );
      expectSuccess(added);
      const stored = JSON.parse(added.stdout) as Silence;
      expect(stored).toMatchObject({
        matchers: { sourceHost: ['origin.example.com'], severity: ['critical', 'warning'] },
        createdBy: 'ana',
        comment: 'CDN maintenance, ticket OPS-42',
        pauseRestarts: false,
      });
      expect(stored.endsAt - stored.startsAt).toBe(2 * 3600_000);

      const listed = await silence(location, 'list');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(
        new RegExp(`${stored.id}\\s+active .*source-host=origin.example.com\\s+ana\\s+CDN maintenance`),
      );

      // Another instance (this process) with its own connection to the same store.
      const store = await openStore(location);
      clock.set(Math.max(clock.now(), stored.startsAt + 1_000));
      const config = loadConfig({
        LIVEWATCH_SLACK_WEBHOOK: sinks.urls.slack,
        LIVEWATCH_GROUP_WAIT_CRITICAL_S: '0',
      });
      const notifier = createNotifier({ config, store, clock, log: createLogger({ level: 'error' }) });
      const before = sinks.received.slack.length;
      try {
        const covered = relayNotice({
          task: 'a1',
          severity: 'critical',
          sourceHosts: ['origin.example.com'],
          resource: task('a1'),
        });
        const elsewhere = relayNotice({
          task: 'b1',
          severity: 'critical',
          sourceHosts: ['other.example.com'],
          resource: task('b1'),
        });
        await notifier.notify({ ...covered, at: clock.now() });
        await notifier.notify({ ...elsewhere, at: clock.now() });
        clock.advance(1_000);
        await notifier.flush();
        const texts = sinks.received.slack.slice(before).map((m) => m.raw);
        expect(texts).toHaveLength(1);
        expect(texts[0]).toContain('b1');
        expect(texts[0]).not.toContain('a1');
        const history = await store.getHistory('relay:cn-shanghai:a1');
        expect(history[0]).toMatchObject({ type: 'silenced', data: { silence: stored.id } });
        expect(history[0]?.message).toContain('by ana: CDN maintenance, ticket OPS-42');

        const expired = await silence(location, 'expire', stored.id);
        expect(expired.code).toBe(0);
        expect(expired.stdout).toContain(`expired ${stored.id}`);
        expect((await silence(location, 'list')).stdout).toContain('no active or pending silences');
        expect((await silence(location, 'list', '--all')).stdout).toMatch(
          new RegExp(`${stored.id}\\s+expired`),
        );

        // Past the expiry and past the group's interval (the group sent b1 a moment ago).
        clock.set(Math.max(Date.now(), clock.now()) + 1_000);
        await notifier.notify({ ...covered, id: `${covered.id}:again`, at: clock.now() });
        clock.advance(config.LIVEWATCH_GROUP_INTERVAL_S * 1000 + 1_000);
        await notifier.flush();
        expect(
          sinks.received.slack
            .slice(before)
            .map((m) => m.raw)
            .join('\n'),
        ).toContain('a1');
      } finally {
        await store.close();
      }
    });
  });
}

const adapter = storeAdapterCases().find((leg) => leg.name === 'sqlite');
if (adapter === undefined) throw new Error('the sqlite leg is always there');

describe('livewatch silence: bad input gets a clear error and changes nothing', () => {
  let location: StoreLocation;
  beforeAll(async () => {
    await adapter.start();
    location = adapter.fresh();
  });
  afterAll(() => adapter.stop());

  it.each([
    [
      ['--severity', 'urgent', '--duration', '1h', '--comment', 'x'],
      '--severity: "urgent" must be one of critical, warning, info',
    ],
    [
      ['--region', 'cn-shanghai', '--duration', '2 hours', '--comment', 'x'],
      '--duration: "2 hours" must be a duration like',
    ],
    [['--region', 'cn-shanghai', '--duration', '1h'], '--comment: "" is required'],
    [['--duration', '1h', '--comment', 'x'], '(matchers): give at least one of --severity'],
    [
      ['--task-name', '([', '--duration', '1h', '--comment', 'x'],
      '--task-name: "([" must be a valid regular expression',
    ],
    [
      ['--region', 'cn-shanghai', '--start', '2026-12-03T22:00', '--duration', '1h', '--comment', 'x'],
      '--start: "2026-12-03T22:00" must be an ISO 8601 time with a zone',
    ],
    [
      [
        '--region',
        'cn-shanghai',
        '--start',
        '2030-01-01T00:00Z',
        '--end',
        '2029-12-31T23:00Z',
        '--comment',
        'x',
      ],
      '--end: "2029-12-31T23:00Z" is not after the start',
    ],
    [
      ['--region', 'cn-shanghai', '--duration', '31d', '--comment', 'x'],
      '--duration: "31d" makes the silence longer than 30 days',
    ],
    [
      ['--region', 'cn-shanghai', '--end', '2030-01-01T00:00Z', '--duration', '1h', '--comment', 'x'],
      '--end: give exactly one of --end or --duration',
    ],
  ])('add %j → exit 2 naming the flag and the value', async (args, message) => {
    const result = await silence(location, 'add', ...args);
    expectFailure(result, 2, `livewatch silence add: ${message}`);
    expect(result.stdout).toBe('');
  });

  it('nothing was written by the refused adds; --help exits 0; unknown subcommands and ids are errors', async () => {
    const store = await openStore(location);
    try {
      expect(await store.silences.list()).toEqual([]);
    } finally {
      await store.close();
    }
    const help = await silence(location, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('livewatch silence add');
    const unknown = await silence(location, 'mute');
    expectFailure(unknown, 2, 'unknown subcommand "mute"');
    const missing = await silence(location, 'expire', 'sil-00000000');
    expectFailure(missing, 1, 'no silence "sil-00000000"');
  });
});
