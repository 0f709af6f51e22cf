/**
 * `livewatch <command> [options]`: a thin dispatcher. Each command lives in `bin/commands/<name>.ts`
 * and exports `run(argv): Promise<number>` (the exit code) and a one-line `summary`.
 */
import { describeError, LivewatchError } from '../lib/errors.js';

const COMMANDS = ['start', 'emulator', 'tasks', 'jobs', 'sweep', 'restart', 'status', 'doctor'] as const;
type CommandName = (typeof COMMANDS)[number];

interface CommandModule {
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

async function load(name: CommandName): Promise<CommandModule> {
  return (await import(`./commands/${name}.ts`)) as CommandModule;
}

async function usage(): Promise<string> {
  const lines = ['usage: livewatch <command> [options]', '', 'commands:'];
  for (const name of COMMANDS) lines.push(`  ${name.padEnd(10)} ${(await load(name)).summary}`);
  lines.push(
    '',
    'Run `livewatch <command> --help` for its options. Settings come from the environment (see README).',
  );
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    console.error(`livewatch: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  return (await load(name as CommandName)).run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Known failures (bad settings, API errors) print their message alone; anything else is a bug.
  console.error(error instanceof LivewatchError ? error.message : describeError(error));
  process.exitCode = 1;
}
