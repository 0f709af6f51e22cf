import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, expectFailure, type RunningCli, runCli, spawnCli } from '../support/cli-process.js';

/**
 * `npm start`'s console reads like an on-call channel: chat messages and one line per decision
 * (seen / decided / done), coloured on a terminal (a real pty through util-linux `script`), plain
 * through a pipe; the JSON log goes to .livewatch/livewatch.log, or to stderr with --log-stderr.
 */
const env = cleanEnv({
  LIVEWATCH_POLL_INTERVAL_S: '1',
  LIVEWATCH_TICK_INTERVAL_S: '1',
  LIVEWATCH_GROUP_WAIT_S: '0',
});
const START = ['start', '--port', '0', '--emulator-port', '0', '--tasks', '4'];
let dir: string;
let running: RunningCli | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livewatch-console-'));
});

afterAll(async () => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Runs `livewatch start` under a pseudo-terminal until `seconds` pass, returning what the terminal showed. */
function startOnPty(cwd: string, seconds: number): Promise<string> {
  const command = `timeout -s TERM ${seconds} ${process.execPath} ${CLI} ${START.join(' ')}`;
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-q', '-e', '-c', command, '/dev/null'],
      { cwd, env, timeout: 60_000 },
      (_error, stdout) => resolve(stdout),
    );
  });
}

describe('livewatch start console', () => {
  it('on a pipe: a plain narrative, the log in .livewatch/livewatch.log, no JSON on the console', async () => {
    running = spawnCli(START, { cwd: dir, env });
    await running.output.waitFor(/Ctrl-C stops/);
    // The first sweep enrols the seeded tasks: one "done" line each.
    await running.output.waitFor(/^\d\d:\d\d:\d\d {2}done {5}relay \S+\/\S+ {2}callback URL set/m);
    expect(running.output.text).toContain(
      '  log           .livewatch/livewatch.log (json; --log-stderr for stderr)',
    );
    expect(await running.stop()).toBe(0);
    expect(running.output.text).not.toMatch(/^\{"time"/m);
    expect(running.output.text).not.toContain('\x1b[');
    const log = await readFile(join(dir, '.livewatch', 'livewatch.log'), 'utf8');
    const first = JSON.parse(log.split('\n')[0] ?? '') as { msg: string; level: string };
    expect(first.level).toBe('info');
  }, 60_000);

  it('on a terminal: the verbs in colour', async () => {
    const shown = await startOnPty(dir, 8);
    expect(shown).toContain('Ctrl-C stops.');
    expect(shown).toContain('\x1b[32mdone   \x1b[0m  relay ');
  }, 60_000);

  it('--log-stderr with LIVEWATCH_LOG_FORMAT=pretty: readable log lines on stderr, no log file', async () => {
    const other = await mkdtemp(join(tmpdir(), 'livewatch-console-stderr-'));
    try {
      running = spawnCli([...START, '--log-stderr'], {
        cwd: other,
        env: { ...env, LIVEWATCH_LOG_FORMAT: 'pretty' },
      });
      await running.output.waitFor(/^\d\d:\d\d:\d\d INFO {2}sweep finished /m);
      expect(running.output.text).toContain('  log           stderr');
      expect(await running.stop()).toBe(0);
      expect(existsSync(join(other, '.livewatch', 'livewatch.log'))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('rejects a bad LIVEWATCH_LOG_FORMAT with the value and the rule', async () => {
    const result = await runCli(['status'], { cwd: dir, env: cleanEnv({ LIVEWATCH_LOG_FORMAT: 'xml' }) });
    expectFailure(result, 1, 'LIVEWATCH_LOG_FORMAT: must be one of json, pretty, got "xml"');
  });
});
