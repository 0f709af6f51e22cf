import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeHistoryKey } from '../../lib/notify/notice-history-key.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import {
  CALLBACK_TOKEN,
  METRICS_TOKEN,
  OLD_STATUS_TOKEN,
  putHistory,
  putLedger,
  putOpenBreaker,
  putTask,
  relayTask,
  SECRETS,
  STATUS_TOKEN,
  startStatusHarness,
} from '../support/status-harness.js';

type Harness = Awaited<ReturnType<typeof startStatusHarness>>;
const HOUR = 3_600_000;

describe('status page, JSON API and /metrics over the callback function (SQLite)', () => {
  let h: Harness;
  let now: number;
  beforeAll(async () => {
    h = await startStatusHarness();
    now = h.clock.now();
    const { store } = h;
    for (let i = 0; i < 12; i += 1) {
      await putTask(store, relayTask(`ok-${String(i).padStart(2, '0')}`), now - 30 * HOUR);
    }
    const broken = await putTask(
      store,
      relayTask('broken-1', {
        state: 'offline',
        status: 3,
        invalidReason: 'SourceUnreachable',
        region: 'cn-beijing',
      }),
      now - HOUR,
    );
    await putLedger(store, broken, {
      taskId: 'broken-1',
      region: 'cn-beijing',
      needsPerson: true,
      escalatedAt: now - HOUR / 2,
      lineage: ['old-broken-1'],
    });
    await putHistory(store, broken, [
      {
        at: now - 3 * HOUR,
        type: 'event',
        message: 'callback LivePullToPushRuning: running',
        data: { source: 'callback', state: 'running' },
      },
      {
        at: now - HOUR,
        type: 'event',
        message: 'callback LivePullToPushStop: offline',
        data: { source: 'callback', state: 'offline' },
      },
      {
        at: now - HOUR + 1_000,
        type: 'resume',
        message: 'restarted (#1): offline resumed at file 2, offset 321 s',
        data: { source: 'tick', state: 'offline', resumed: { fileIndex: 2, offset: 321 } },
      },
      {
        at: now - HOUR / 2,
        type: 'gave-up',
        message: `gave up: budget spent; source rtmp://origin.example.com/x?auth_key=${SECRETS.streamAuthKey}`,
        data: { source: 'tick', state: 'offline' },
      },
    ]);
    await putHistory(store, noticeHistoryKey(broken), [
      {
        at: now - HOUR / 2 + 1,
        type: 'notice',
        message: 'firing critical notice to dingtalk: relay broken-1 needs a person',
        data: { notice: 'n1', severity: 'critical', status: 'firing', channels: ['dingtalk'] },
      },
    ]);
    await putTask(
      store,
      relayTask('recovering-1', {
        state: 'recovering',
        status: 2,
        sourceUrls: ['rtmp://other.example.org/live/r'],
      }),
      now - 60_000,
    );
    await putOpenBreaker(store, 'host:origin.example.com', now - 1_000);
    const silence = (id: string, startsAt: number, endsAt: number) => ({
      id,
      matchers: { sourceHost: ['origin.example.com'], region: ['cn-shanghai'] },
      startsAt,
      endsAt,
      createdBy: 'alice',
      comment: `maintenance ${id}`,
      createdAt: startsAt,
      pauseRestarts: id === 'active',
    });
    await store.silences.put('active', silence('active', now - HOUR, now + HOUR), null);
    await store.silences.put('later', silence('later', now + 2 * HOUR, now + 3 * HOUR), null);
    await store.silences.put('over', silence('over', now - 3 * HOUR, now - 2 * HOUR), null);
    await store.putHeartbeat({
      lastSuccessAt: now - 42_000,
      durationMs: 1_234,
      complete: true,
      counts: {},
      apiCalls: 3,
    });
    await store.addCounters({
      'livewatch_callbacks_total{code="200"}': 5,
      'livewatch_api_throttled_total{action="DescribeLivePullToPushList"}': 2,
    });
  });
  afterAll(() => h.close());

  it('answers 401 revealing nothing without a valid token, on every path, existing task or not', async () => {
    const paths = [
      '/status',
      '/status/tasks',
      '/status/tasks/broken-1',
      '/status/tasks/no-such-task',
      '/status/nope',
    ];
    const bodies = new Set<string>();
    for (const path of paths) {
      for (const token of [undefined, 'wrong-token-0123456789', CALLBACK_TOKEN, METRICS_TOKEN]) {
        const response = await h.get(path, token ? { token } : {});
        expect(response.status, `${path} with ${token}`).toBe(401);
        bodies.add(await response.text());
      }
    }
    expect(bodies.size).toBe(1);
    const apiBodies = new Set<string>();
    for (const path of [
      '/status/api/overview',
      '/status/api/tasks/broken-1',
      '/status/api/tasks/no-such-task',
    ]) {
      const response = await h.get(path, { token: CALLBACK_TOKEN });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      apiBodies.add(await response.text());
    }
    expect([...apiBodies]).toEqual(['{"error":"unauthorized"}']);
    for (const token of [undefined, STATUS_TOKEN, CALLBACK_TOKEN]) {
      expect((await h.get('/metrics', token ? { token } : {})).status).toBe(401);
    }
  });

  it('accepts every configured token as Bearer; 404 for unknown paths and tasks only after that', async () => {
    expect((await h.get('/status', { token: STATUS_TOKEN })).status).toBe(200);
    expect((await h.get('/status', { token: OLD_STATUS_TOKEN })).status).toBe(200);
    expect((await h.get('/status/nope', { token: STATUS_TOKEN })).status).toBe(404);
    expect((await h.get('/status/tasks/no-such-task', { token: STATUS_TOKEN })).status).toBe(404);
    expect((await h.get('/status/api/tasks/no-such-task', { token: STATUS_TOKEN })).status).toBe(404);
    expect((await h.get('/status/api/nope', { token: STATUS_TOKEN })).status).toBe(404);
    expect((await h.get('/elsewhere')).status).toBe(404);
    const post = await fetch(`${h.host.url}/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STATUS_TOKEN}` },
    });
    expect(post.status).toBe(405);
  });

  it('trades a ?token= link for a session cookie, and the login form sets one too', async () => {
    const link = await h.get(`/status/tasks?state=offline&token=${STATUS_TOKEN}`);
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/status/tasks?state=offline');
    const setCookie = link.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^livewatch_status=\d+\.[A-Za-z0-9_-]{43}; Path=\/status; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    expect(setCookie).not.toContain(STATUS_TOKEN);
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await h.get('/status', { cookie })).status).toBe(200);
    expect(
      (
        await h.get('/status', {
          cookie: 'livewatch_status=99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        })
      ).status,
    ).toBe(401);

    const bad = await fetch(`${h.host.url}/status/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'wrong-token-0123456789' }),
      redirect: 'manual',
    });
    expect(bad.status).toBe(401);
    const good = await fetch(`${h.host.url}/status/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: STATUS_TOKEN }),
      redirect: 'manual',
    });
    expect(good.status).toBe(303);
    expect(good.headers.get('set-cookie')).toMatch(/^livewatch_status=/);
    // The session expires with the clock.
    h.clock.advance(43_201_000);
    expect((await h.get('/status', { cookie })).status).toBe(401);
    h.clock.set(now);
  });

  it('shows counts, what needs a person first, breakers, heartbeat, outbox and version on the overview', async () => {
    const response = await h.get('/status/api/overview', { token: STATUS_TOKEN });
    const overview = (await response.json()) as Record<string, unknown> & {
      attention: Array<{ id: string; needsPerson: boolean }>;
    };
    expect(overview.total).toBe(14);
    expect(overview.byKindState).toEqual({ relay: { running: 12, offline: 1, recovering: 1 } });
    expect(overview.byRegion).toEqual({
      'cn-beijing': { total: 1, unhealthy: 1, needsPerson: 1 },
      'cn-shanghai': { total: 13, unhealthy: 1, needsPerson: 0 },
    });
    expect(overview.attention.map((row) => row.id)).toEqual(['broken-1', 'recovering-1']);
    expect(overview.heartbeat).toEqual({ lastSuccessAt: now - 42_000, ageS: 42, stale: false });
    // Active and upcoming silences, soonest ending first; the expired one is history.
    expect(overview.silences).toMatchObject([
      { id: 'active', active: true, pauseRestarts: true, createdBy: 'alice' },
      { id: 'later', active: false },
    ]);
    const page = await (await h.get('/status', { token: STATUS_TOKEN })).text();
    expect(page).toContain('sourceHost=origin.example.com region=cn-shanghai');
    expect(page).toContain('pauses restarts');
    expect(page).not.toContain('maintenance over');
    expect(page).toContain('host:origin.example.com');
    expect(page).toContain('Needs a person');
    expect(page).toContain('version 0.1.0');
    expect(page).not.toMatch(/<script|src=|https?:\/\/(?!origin)/);
  });

  it('filters the task list by state, region, host and search, and pages with a next key', async () => {
    const ids = async (query: string) =>
      (
        (await (await h.get(`/status/api/tasks?${query}`, { token: STATUS_TOKEN })).json()) as {
          rows: Array<{ id: string }>;
        }
      ).rows.map((r) => r.id);
    expect(await ids('state=offline')).toEqual(['broken-1']);
    expect(await ids('region=cn-beijing')).toEqual(['broken-1']);
    expect(await ids('host=other.example.org')).toEqual(['recovering-1']);
    expect(await ids('q=broken-1')).toEqual(['broken-1']);
    expect(await ids('q=CHANNEL%20OK-0')).toHaveLength(10);
    expect(await ids('state=needs-person')).toEqual(['broken-1']);
    const first = (await (await h.get('/status/api/tasks?limit=5', { token: STATUS_TOKEN })).json()) as {
      rows: unknown[];
      next: string;
    };
    expect(first.rows).toHaveLength(5);
    const second = (await (
      await h.get(`/status/api/tasks?limit=20&after=${encodeURIComponent(first.next)}`, {
        token: STATUS_TOKEN,
      })
    ).json()) as { rows: unknown[]; next?: string };
    expect(second.rows).toHaveLength(9);
    expect(second.next).toBeUndefined();
    const bad = await h.get('/status/api/tasks?limit=0', { token: STATUS_TOKEN });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: Array<{ path: string }> }).issues[0]?.path).toBe('limit');
    const html = await (await h.get('/status/tasks?state=offline', { token: STATUS_TOKEN })).text();
    expect(html).toContain('href="/status/tasks/broken-1"');
    expect(html).toContain('<option value="offline" selected>');
  });

  it("shows a task's timeline, lineage and uptime computed from the history", async () => {
    const view = (await (await h.get('/status/api/tasks/broken-1', { token: STATUS_TOKEN })).json()) as {
      lineage: string[];
      uptime: { day: { ratio: number; knownMs: number } };
      timeline: Array<{ type: string; category: string; resumed?: unknown }>;
    };
    expect(view.lineage).toEqual(['old-broken-1']);
    // The notices sent about it are merged into the timeline, newest first.
    expect(view.timeline.map((e) => e.type)).toEqual(['notice', 'gave-up', 'resume', 'event', 'event']);
    expect(view.timeline[0]).toMatchObject({ category: 'notice' });
    expect(view.timeline[2]).toMatchObject({ category: 'resume', resumed: { fileIndex: 2, offset: 321 } });
    // Known for the last 3 h: running for 2 h, offline for 1 h.
    expect(view.uptime.day.knownMs).toBe(3 * HOUR);
    expect(view.uptime.day.ratio).toBeCloseTo(2 / 3, 5);
    const page = await (await h.get('/status/tasks/broken-1', { token: STATUS_TOKEN })).text();
    expect(page).toContain('66.67 %');
    expect(page).toContain('file 2, offset 321 s');
    expect(page).toContain('old-broken-1');
  });

  it('never shows a secret, token, AccessKey secret or stream auth key on a page, in the API or in metrics', async () => {
    const bodies: string[] = [];
    for (const path of [
      '/status',
      '/status/tasks',
      '/status/tasks/broken-1',
      '/status/tasks/ok-01',
      '/status/api/overview',
      '/status/api/tasks',
      '/status/api/tasks/broken-1',
      '/status/login',
    ]) {
      bodies.push(await (await h.get(path, { token: STATUS_TOKEN })).text());
    }
    bodies.push(await (await h.get('/metrics', { token: METRICS_TOKEN })).text());
    const all = bodies.join('\n');
    for (const secret of [
      ...Object.values(SECRETS),
      STATUS_TOKEN,
      OLD_STATUS_TOKEN,
      METRICS_TOKEN,
      CALLBACK_TOKEN,
    ]) {
      expect(all).not.toContain(secret);
    }
    // A URL quoted in a history message keeps its parameter name, never the key.
    expect(all.match(/auth_key=[^*&\s"]/g)).toBeNull();
    expect(all).toContain('origin.example.com');
  });

  it('serves /metrics in the Prometheus text format, which a parser reads', async () => {
    const response = await h.get('/metrics', { token: METRICS_TOKEN });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await response.text());
    const family = (name: string) => families.find((f) => f.name === name);
    const tasks = family('livewatch_tasks');
    expect(tasks?.type).toBe('GAUGE');
    expect(tasks?.metrics).toContainEqual({
      labels: { kind: 'relay', region: 'cn-shanghai', state: 'running' },
      value: '12',
    });
    expect(family('livewatch_breaker_state')?.metrics).toContainEqual({
      labels: { breaker: 'host:origin.example.com', state: 'open' },
      value: '1',
    });
    expect(family('livewatch_heartbeat_age_seconds')?.metrics).toEqual([{ value: '42' }]);
    expect(family('livewatch_tasks_needing_person')?.metrics).toEqual([
      { labels: { region: 'cn-beijing' }, value: '1' },
    ]);
    expect(family('livewatch_api_throttled_total')?.type).toBe('COUNTER');
    expect(family('livewatch_outbox_messages')?.metrics).toContainEqual({
      labels: { status: 'dead' },
      value: '0',
    });
    // The callback function counts its own callback answers (the 404 above included).
    const callbacks = family('livewatch_callbacks_total')?.metrics ?? [];
    expect(callbacks).toContainEqual({ labels: { code: '200' }, value: '5' });
    expect(callbacks.some((m) => m.labels?.code === '404')).toBe(true);
    expect(family('livewatch_callback_duration_seconds')?.type).toBe('SUMMARY');
  });
});

describe('status page in zh-CN', () => {
  it('speaks Chinese and shows times in Asia/Shanghai', async () => {
    const h = await startStatusHarness({ env: { LIVEWATCH_LANGUAGE: 'zh-CN' } });
    try {
      await putTask(h.store, relayTask('t1'), h.clock.now());
      const page = await (await h.get('/status/tasks/t1', { token: STATUS_TOKEN })).text();
      expect(page).toContain('时间线');
      expect(page).toContain('<html lang="zh-CN">');
      // 02:00 UTC is 10:00 in Shanghai.
      expect(page).toContain('2026-12-03 10:00:00 UTC+8');
    } finally {
      await h.close();
    }
  });
});

/**
 * A task whose snapshot says running but whose restart outcome is unknown, or whose verification was
 * given up on, is shown as such on the status page (list, task page, JSON) in the page's language,
 * as `livewatch status` does (docs/status-page.md). The error text is data: redacted, never a secret.
 */

async function seed(harness: Harness): Promise<void> {
  const now = harness.clock.now();
  const restarted = await putTask(harness.store, relayTask('restarted-1'), now - 60_000);
  await putLedger(harness.store, restarted, {
    taskId: 'restarted-1',
    attempt: { at: now - 30_000, number: 1, state: 'unknown', action: 'RestartLivePullToPush' },
  });
  const blind = await putTask(harness.store, relayTask('blind-1'), now - 60_000);
  await putLedger(harness.store, blind, {
    taskId: 'blind-1',
    verifyFailures: {
      count: 5,
      since: now - 600_000,
      reportedAt: now - 10_000,
      lastError: `Forbidden.RAM: rtmp://origin.example.com/live/x?auth_key=${SECRETS.streamAuthKey}`,
    },
  });
  await putTask(harness.store, relayTask('fine-1'), now - 60_000);
}

describe('status page: what livewatch cannot tell', () => {
  const cleanup = cleanupAfterEach();

  it('lists both among the tasks needing attention and says why on each task page (en)', async () => {
    const h = cleanup.close(await startStatusHarness());
    await seed(h);
    const list = await (await h.get('/status/tasks?state=attention', { token: STATUS_TOKEN })).text();
    expect(list).toContain('data-key="relay:cn-shanghai:restarted-1"');
    expect(list).toContain('data-key="relay:cn-shanghai:blind-1"');
    expect(list).not.toContain('data-key="relay:cn-shanghai:fine-1"');
    expect(list).toContain('Restart outcome unknown: being verified');

    const restarted = await (await h.get('/status/tasks/restarted-1', { token: STATUS_TOKEN })).text();
    expect(restarted).toMatch(
      /<p class="note unsure" id="unsure">Restart outcome unknown: being verified<\/p>/,
    );
    const blind = await (await h.get('/status/tasks/blind-1', { token: STATUS_TOKEN })).text();
    expect(blind).toMatch(/id="unsure">Cannot verify \(5 attempts\): Forbidden\.RAM: /);
    const fine = await (await h.get('/status/tasks/fine-1', { token: STATUS_TOKEN })).text();
    expect(fine).not.toContain('id="unsure"');

    const json = await (await h.get('/status/api/tasks/blind-1', { token: STATUS_TOKEN })).text();
    expect(JSON.parse(json)).toMatchObject({ row: { unsure: { kind: 'cannot-verify', attempts: 5 } } });
    for (const page of [list, blind, json]) expect(page).not.toContain(SECRETS.streamAuthKey);
  });

  it('says it in zh-CN when the page speaks zh-CN', async () => {
    const h = cleanup.close(await startStatusHarness({ env: { LIVEWATCH_LANGUAGE: 'zh-CN' } }));
    await seed(h);
    const restarted = await (await h.get('/status/tasks/restarted-1', { token: STATUS_TOKEN })).text();
    expect(restarted).toContain('重启结果未知：正在核实');
    const blind = await (await h.get('/status/tasks/blind-1', { token: STATUS_TOKEN })).text();
    expect(blind).toContain('无法核实（已尝试 5 次）：Forbidden.RAM');
  });
});
