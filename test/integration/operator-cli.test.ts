import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeHistoryKey } from '../../lib/notify/notice-history-key.js';
import { cleanEnv, expectFailure, expectSuccess, runCli } from '../support/cli-process.js';
import {
  putLedger,
  putOpenBreaker,
  putTask,
  relayTask,
  STATUS_TOKEN,
  startStatusHarness,
} from '../support/status-harness.js';

/**
 * The operator commands and the CLI readers of the status views, as a user runs them: `livewatch`
 * in a child process over the same SQLite store the status page (the real callback function in the
 * local FC host) reads.
 */
type Harness = Awaited<ReturnType<typeof startStatusHarness>>;
let dir: string;
let h: Harness;
let env: Record<string, string>;
const HOUR = 3_600_000;
const cli = (...args: string[]) => runCli(args, { cwd: dir, env });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-operator-'));
  const storeUrl = `sqlite:${join(dir, 'state.db')}`;
  h = await startStatusHarness({ storeUrl });
  env = cleanEnv({ LIVEWATCH_STORE_URL: storeUrl, LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing' });
  const now = Date.now();
  const stuck = await putTask(
    h.store,
    relayTask('stuck-1', { state: 'offline', status: 3, invalidReason: 'SourceUnreachable' }),
    now - HOUR,
  );
  await putLedger(h.store, stuck, {
    taskId: 'stuck-1',
    needsPerson: true,
    escalatedAt: now - HOUR / 2,
    restarts: [now - HOUR, now - HOUR / 2],
    consecutive: 2,
    unhealthySince: now - HOUR,
  });
  const waiting = await putTask(
    h.store,
    relayTask('waiting-1', { state: 'offline', status: 3 }),
    now - 60_000,
  );
  await putLedger(h.store, waiting, {
    taskId: 'waiting-1',
    unhealthySince: now - 60_000,
    nextAttemptAt: now + HOUR,
  });
  await putTask(h.store, relayTask('fine-1'), now - HOUR);
  await putOpenBreaker(h.store, 'host:origin.example.com', now - 60_000);
}, 60_000);

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('livewatch task clear', () => {
  it('refuses without a reason (usage, exit 2) and changes nothing', async () => {
    const result = await cli('task', 'clear', 'stuck-1', '--by', 'alice');
    expectFailure(result, 2, /livewatch task: .*--reason/);
    expect((await h.store.ledgers.get('relay:cn-shanghai:stuck-1'))?.value.needsPerson).toBe(true);
  });

  it('clears needs-a-person with a fresh budget, recorded with who and why', async () => {
    const result = await cli(
      'task',
      'clear',
      'stuck-1',
      '--by',
      'alice',
      '--reason',
      'origin credentials fixed',
    );
    expectSuccess(result);
    expect(result.stdout).toMatch(/cleared stuck-1: .*alice.*2 restart\(s\) forgotten/);
    const ledger = (await h.store.ledgers.get('relay:cn-shanghai:stuck-1'))?.value;
    expect(ledger).toMatchObject({ needsPerson: false, restarts: [], consecutive: 0 });
    expect(ledger?.escalatedAt).toBeUndefined();
    expect(ledger?.nextAttemptAt).toBeLessThanOrEqual(Date.now());
    const [entry] = await h.store.getHistory('relay:cn-shanghai:stuck-1', 1);
    expect(entry).toMatchObject({
      type: 'operator',
      data: { action: 'task-clear', actor: 'alice', reason: 'origin credentials fixed' },
    });
    // The "gave up" alert is resolved through the notifier, and the timeline shows that notice.
    const [notice] = await h.store.getHistory(noticeHistoryKey('relay:cn-shanghai:stuck-1'), 1);
    expect(notice?.data).toMatchObject({ status: 'resolved', severity: 'critical' });
  });

  it('refuses a task that needs no person, or does not exist (exit 1), and says so', async () => {
    const again = await cli('task', 'clear', 'stuck-1', '--reason', 'twice');
    expectFailure(again, 1, 'stuck-1 does not need a person; nothing to clear');
    const unknown = await cli('task', 'clear', 'nope-1', '--reason', 'typo');
    expectFailure(unknown, 1, 'no task "nope-1" in the store');
  });
});

describe('livewatch breaker reset', () => {
  it('names the known breakers when the scope is unknown or malformed, and changes nothing', async () => {
    const unknown = await cli('breaker', 'reset', 'host:elsewhere.example.com', '--reason', 'test');
    expectFailure(unknown, 1, 'no breaker host:elsewhere.example.com; known: host:origin.example.com');
    const malformed = await cli('breaker', 'reset', 'origin.example.com', '--reason', 'test');
    expectFailure(malformed, 1, 'must be host:<source host> or region:<region id>');
    expect((await h.store.breakers.get('host:origin.example.com'))?.value.state).toBe('open');
  });

  it('closes the breaker, records who and why on it and on its failing tasks, and re-checks them', async () => {
    const result = await cli(
      'breaker',
      'reset',
      'host:origin.example.com',
      '--by',
      'bob',
      '--reason',
      'origin is back',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('reset host:origin.example.com (was open) by bob: origin is back');
    expect((await h.store.breakers.get('host:origin.example.com'))?.value).toEqual({
      key: 'host:origin.example.com',
      state: 'closed',
      failures: [],
    });
    const [onBreaker] = await h.store.getHistory('breaker:host:origin.example.com', 1);
    expect(onBreaker).toMatchObject({ type: 'operator', data: { actor: 'bob', reason: 'origin is back' } });
    const [onTask] = await h.store.getHistory('relay:cn-shanghai:waiting-1', 1);
    expect(onTask?.message).toContain('breaker host:origin.example.com reset by bob');
    expect(
      (await h.store.ledgers.get('relay:cn-shanghai:waiting-1'))?.value.nextAttemptAt,
    ).toBeLessThanOrEqual(Date.now());
    // A healthy task of the same host is left alone.
    expect(await h.store.getHistory('relay:cn-shanghai:fine-1')).toEqual([]);
  });
});

describe('livewatch history and status --url', () => {
  it("prints a task's history from the store, the operator action with who and why included", async () => {
    const result = await cli('history', 'stuck-1');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('relay stuck-1 (channel stuck-1) in cn-shanghai');
    expect(result.stdout).toContain('source host: origin.example.com');
    expect(result.stdout).toMatch(/operator\s+needs-a-person cleared by alice: origin credentials fixed/);
    expect(result.stdout).not.toMatch(/auth_key=|rtmp:\/\//);
    const json = JSON.parse((await cli('history', 'stuck-1', '--json')).stdout) as {
      timeline: Array<{ actor?: string }>;
    };
    expect(json.timeline.some((e) => e.actor === 'alice')).toBe(true);
    expect((await cli('history', 'nope-1')).code).toBe(1);
  });

  it('reads the same views from a deployed livewatch over HTTP with its token', async () => {
    const url = `${h.host.url}/status`;
    const history = await cli('history', 'stuck-1', '--url', url, '--token', STATUS_TOKEN);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/needs-a-person cleared by alice/);
    // The token may also come from LIVEWATCH_STATUS_TOKENS; the root URL is enough.
    const status = await runCli(['status', '--url', h.host.url], {
      cwd: dir,
      env: { ...env, LIVEWATCH_STATUS_TOKENS: STATUS_TOKEN, LIVEWATCH_STORE_URL: 'sqlite::memory:' },
    });
    expect(status.stderr).toBe('');
    // Something needs attention (offline tasks): exit 3, as the store-reading status.
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('needing attention (2, people first):');
    expect(status.stdout).toContain('waiting-1');
    const json = JSON.parse(
      (await cli('status', '--url', url, '--token', STATUS_TOKEN, '--json')).stdout,
    ) as {
      total: number;
    };
    expect(json.total).toBe(3);
  });

  it('says plainly when the token is refused or the host is unreachable, never echoing the token', async () => {
    const refused = await cli('status', '--url', h.host.url, '--token', 'wrong-token-0123456789');
    expectFailure(refused, 1, 'refused the status token (401)');
    expect(refused.stderr).not.toContain('wrong-token-0123456789');
    const missing = await cli('status', '--url', h.host.url);
    expectFailure(missing, 1, 'a status token is required');
    const unreachable = await cli('status', '--url', 'http://127.0.0.1:9/status', '--token', STATUS_TOKEN);
    expectFailure(unreachable, 1, 'could not reach http://127.0.0.1:9/status/api/overview');
  });
});
