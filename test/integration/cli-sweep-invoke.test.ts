import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type RunningCli, runCli, spawnCli } from '../support/cli-process.js';

/**
 * `livewatch sweep --invoke` in a second terminal beside `npm start`: its events reach that local
 * host's alert function through the invoker endpoint named in the session file, and the summary
 * says what happened. The start's own poller and enrolment are off, so only the CLI's sweep can
 * have told the alert function.
 */
let dir: string;
let cwd: string;
let running: RunningCli | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livewatch-sweep-invoke-'));
  cwd = join(dir, 'sub');
  await mkdir(cwd);
});

afterAll(async () => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const sweep = () => runCli(['sweep', '--invoke'], { cwd, env: cleanEnv() });

describe('livewatch sweep --invoke beside npm start', () => {
  it('hands the events to the running alert function, which notifies', async () => {
    running = spawnCli(['start', '--port', '0', '--emulator-port', '0', '--tasks', '6'], {
      cwd: dir,
      env: cleanEnv({
        LIVEWATCH_POLL_INTERVAL_S: '3600',
        LIVEWATCH_TICK_INTERVAL_S: '1',
        LIVEWATCH_GROUP_WAIT_S: '0',
        LIVEWATCH_ENROL: 'off',
        LIVEWATCH_LOG_LEVEL: 'error',
      }),
    });
    await running.output.waitFor(/Ctrl-C stops/);
    const [, host] = await running.output.waitFor(/fail-source --host (\S+)/);

    const first = await sweep();
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^sweep: complete/m);

    const fault = await runCli(['emulator', 'fault', 'fail-source', '--host', String(host)], {
      cwd,
      env: cleanEnv(),
    });
    expect(fault.code).toBe(0);
    // The emulated platform turns the tasks to recovering on its own schedule: sweep until it has.
    let handed: RegExpMatchArray | null = null;
    while (handed === null) {
      const result = await sweep();
      expect(result.code).toBe(0);
      handed = result.stdout.match(/^handed (\d+) event\(s\) to livewatch-alert in (\d+) batch\(es\)$/m);
    }
    expect(Number(handed[1])).toBeGreaterThan(0);
    await running.output.waitFor(/\[(dingtalk|slack)\][^\n]*(recovering|offline)/);
  }, 120_000);

  it('without npm start or an FC account, --invoke says what it needs (exit 2, nothing swept)', async () => {
    await running?.stop();
    const result = await runCli(['sweep', '--invoke'], {
      cwd: dir,
      env: cleanEnv({
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'example-secret-000',
      }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^livewatch sweep: --invoke hands events to the alert function: run it beside `npm start`/,
    );
  });
});
