import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type RunningCli, runCli, spawnCli } from '../support/cli-process.js';

/**
 * `npm start`, stopped and started again on the same store: the emulator's clock is real time, so
 * nothing the first run stored lies in the future and the second run's fresh emulator (every task
 * running again) overwrites the first run's outage; `--fresh` empties the store instead.
 */
let dir: string;
let env: Record<string, string>;
let running: RunningCli | undefined;

interface StatusJson {
  now: number;
  heartbeat: { lastSuccessAt?: number };
  attention: Array<{ taskId: string; state: string; since: number }>;
}

async function status(): Promise<StatusJson> {
  const result = await runCli(['status', '--json'], { cwd: dir, env });
  // The only line on stderr: that it read the running start's session file (.livewatch/session.json).
  expect(result.stderr).toMatch(/^(livewatch: using the running `livewatch start` \(pid \d+\) from \S+\n)?$/);
  return JSON.parse(result.stdout) as StatusJson;
}

/** Polls `livewatch status --json` until `done` holds (the test's timeout bounds the wait). */
async function statusUntil(done: (report: StatusJson) => boolean): Promise<StatusJson> {
  for (;;) {
    const report = await status();
    if (done(report)) return report;
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  }
}

async function start(...extra: string[]): Promise<RunningCli> {
  running = spawnCli(['start', '--port', '0', '--emulator-port', '0', '--tasks', '12', ...extra], {
    cwd: dir,
    env,
  });
  await running.output.waitFor(/Ctrl-C stops/);
  return running;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livewatch-restart-'));
  env = cleanEnv({
    LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}`,
    LIVEWATCH_POLL_INTERVAL_S: '1',
    LIVEWATCH_TICK_INTERVAL_S: '1',
    LIVEWATCH_GROUP_WAIT_S: '0',
    LIVEWATCH_LOG_LEVEL: 'error',
  });
});

afterAll(async () => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('livewatch start, stopped and started again on one store', () => {
  it('stores only times that have happened, and the second run sees the tasks running again', async () => {
    // First run: an origin drops and nothing restarts, so the store holds unhealthy tasks.
    const first = await start();
    const [, emulatorUrl] = await first.output.waitFor(/emulator\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const [, host] = await first.output.waitFor(/fail-source --host (\S+)/);
    await fetch(`${emulatorUrl}/_emulator/fault/fail-source`, {
      method: 'POST',
      body: JSON.stringify({ host }),
    });
    const broken = await statusUntil((report) => report.attention.length > 0);
    expect(await first.stop()).toBe(0);
    const stoppedAt = Date.now();
    const times = [broken.heartbeat.lastSuccessAt ?? 0, ...broken.attention.map((item) => item.since)];
    for (const time of times) expect(time).toBeLessThanOrEqual(stoppedAt);

    // Second run, same store, a fresh emulator where every task runs: the outage clears.
    const second = await start();
    const healed = await statusUntil(
      (report) => (report.heartbeat.lastSuccessAt ?? 0) > stoppedAt && report.attention.length === 0,
    );
    expect(healed.attention).toEqual([]);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('--fresh starts from an empty store', async () => {
    expect((await status()).heartbeat.lastSuccessAt).toBeDefined();
    // No sweep within the hour: whatever the store holds right after the banner came from before.
    env = { ...env, LIVEWATCH_POLL_INTERVAL_S: '3600', LIVEWATCH_TICK_INTERVAL_S: '3600' };
    const fresh = await start('--fresh');
    expect(fresh.output.text).toMatch(/store\s+sqlite:\S+ \(fresh: emptied at start\)/);
    const report = await status();
    expect(report.heartbeat.lastSuccessAt).toBeUndefined();
    expect(report.attention).toEqual([]);
    expect(await fresh.stop()).toBe(0);
  }, 60_000);
});
