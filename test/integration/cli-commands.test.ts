import { describe, expect, it } from 'vitest';
import { expectFailure, runCli } from '../support/cli-process.js';

/**
 * The command table as a user meets it (bin/cli.ts): every command and sub-command answers
 * `--help` with its usage and exit 0, mistakes get a "did you mean" and exit 2, and every failure
 * line starts with `livewatch <command>:`, never an internal error name.
 */
/** Sub-commands with their own usage; every command of the table is found from `livewatch --help`. */
const SUB_COMMANDS = [
  ['emulator', 'fault'],
  ['emulator', 'fault', 'api'],
  ['emulator', 'stats'],
  ['silence', 'add'],
  ['silence', 'list'],
  ['silence', 'expire'],
  ['notify', 'test'],
];

async function commandNames(): Promise<string[]> {
  const { stdout } = await runCli(['--help']);
  const names = [...stdout.matchAll(/^ {2}([a-z-]+) {2,}\S/gm)].map((match) => match[1] ?? '');
  // The table holds at least the commands this session started with.
  expect(names).toEqual(
    expect.arrayContaining(['start', 'emulator', 'tasks', 'jobs', 'sweep', 'restart', 'status', 'doctor']),
  );
  return names;
}

describe('livewatch commands', () => {
  it('lists every command with its summary on --help, exit 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(await commandNames()).not.toHaveLength(0);
  });

  it('answers --help and -h for every command and sub-command with its usage, exit 0', async () => {
    const lines = [...(await commandNames()).map((name) => [name]), ...SUB_COMMANDS];
    const runs = await Promise.all(
      lines.flatMap((words) => [runCli([...words, '--help']), runCli([...words, '-h'])]),
    );
    for (const [index, result] of runs.entries()) {
      const words = lines[Math.floor(index / 2)] ?? [];
      expect({ words, code: result.code, stderr: result.stderr }).toEqual({ words, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/usage/);
      expect(result.stdout).toContain(`livewatch ${words[0]}`);
    }
  });

  it('--help wins over a bad flag on the same line', async () => {
    const result = await runCli(['tasks', '--stauts', 'x', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: livewatch tasks');
  });

  it.each([
    [['statsu'], /^livewatch: unknown command 'statsu' \(did you mean 'status'\?\)/],
    [
      ['tasks', '--stauts', 'offline'],
      /^livewatch tasks: unknown option '--stauts' \(did you mean '--status'\?\)/,
    ],
    [
      ['restart', 'x', '--froce'],
      /^livewatch restart: unknown option '--froce' \(did you mean '--force'\?\)/,
    ],
    [
      ['emulator', 'fault', 'fail-source', '--hots', 'a'],
      /^livewatch emulator fault: unknown option '--hots' \(did you mean '--host'\?\)/,
    ],
    [
      ['emulator', 'stats', '--jsno'],
      /^livewatch emulator stats: unknown option '--jsno' \(did you mean '--json'\?\)/,
    ],
    [
      ['start', '--emulatorport', '0'],
      /^livewatch start: unknown option '--emulatorport' \(did you mean '--emulator-port'\?\)/,
    ],
    [['sweep', '--zzzzzzzz'], /^livewatch sweep: unknown option '--zzzzzzzz'\n/],
    [['status', 'extra'], /^livewatch status: unexpected argument 'extra'\n/],
    [['start', '--speed', '0'], /^livewatch start: --speed must be a number above 0, got "0"\n/],
    [['start', '--tasks', 'many'], /^livewatch start: --tasks must be a whole number above 0, got "many"\n/],
  ])('%j: one usage error line, exit 2', async (argv, message) => {
    const result = await runCli(argv);
    expectFailure(result, 2, message);
    expect(result.stderr).not.toMatch(/TypeError|ERR_PARSE_ARGS/);
  });

  it('without a command prints the list and exits 2', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('usage: livewatch <command>');
  });
});
