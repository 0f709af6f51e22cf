import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, expectFailure, type RunningCli, runCli, spawnCli } from '../support/cli-process.js';

/**
 * A second terminal beside `npm start`, with nothing in its environment: `livewatch start` writes
 * `.livewatch/session.json` under the project root, and every other command reads it (and says so),
 * from any subdirectory, while that start runs.
 */
let dir: string;
let running: RunningCli | undefined;
const env = cleanEnv({ LIVEWATCH_LOG_LEVEL: 'error' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livewatch-session-'));
  await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
});

afterAll(async () => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('the session file of a running livewatch start', () => {
  it('lets tasks, status and emulator stats run with no settings, and goes away when start stops', async () => {
    running = spawnCli(['start', '--port', '0', '--emulator-port', '0', '--tasks', '5'], { cwd: dir, env });
    await running.output.waitFor(/Ctrl-C stops/);
    const sessionFile = join(dir, '.livewatch', 'session.json');
    expect(running.output.text).toContain(`session       ${sessionFile}`);
    expect((await stat(sessionFile)).mode & 0o777).toBe(0o600);
    const session = JSON.parse(await readFile(sessionFile, 'utf8')) as { env: Record<string, string> };
    expect(session.env.LIVEWATCH_STORE_URL).toBe(`sqlite:${join(dir, '.livewatch', 'state.db')}`);

    const cwd = join(dir, 'sub', 'deeper');
    const tasks = await runCli(['tasks', '--json'], { cwd, env: cleanEnv() });
    expect(tasks.code).toBe(0);
    expect(tasks.stderr).toMatch(
      /^livewatch: using the running `livewatch start` \(pid \d+\) from \.\.\/\.\.\/\.livewatch\/session\.json\n$/,
    );
    expect(JSON.parse(tasks.stdout)).toHaveLength(5);

    const status = await runCli(['status'], { cwd, env: cleanEnv() });
    expect(status.stdout).toContain(`store: sqlite:${join(dir, '.livewatch', 'state.db')}`);
    const stats = await runCli(['emulator', 'stats', '--json'], { cwd, env: cleanEnv() });
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout).tasks.total).toBe(5);
    // No store was created where the command ran.
    expect(existsSync(join(cwd, '.livewatch'))).toBe(false);

    expect(await running.stop()).toBe(0);
    expect(existsSync(sessionFile)).toBe(false);
    const after = await runCli(['tasks'], { cwd, env: cleanEnv() });
    expectFailure(after, 1, /^livewatch tasks: .*ALIBABA_CLOUD_ACCESS_KEY_ID/s);
  });

  it('is ignored when the environment names an account of its own', async () => {
    const other = await runCli(['tasks'], {
      cwd: dir,
      env: cleanEnv({
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-a-secret-0',
      }),
    });
    expect(other.stderr).not.toContain('using the running');
  });
});
