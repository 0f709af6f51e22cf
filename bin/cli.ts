/**
 * `livewatch <command> [options]`: a thin dispatcher over one table. Each command lives in
 * `bin/commands/<name>.ts` and exports `run(argv): Promise<number>` (the exit code); its summary
 * stays here, so `livewatch --help` loads no command, and a command's module (and what it imports)
 * is loaded only when it runs.
 *
 * Adding a command: one file `bin/commands/<name>.ts` (flags through `parseCommandArgs`, which
 * gives `--help` and "did you mean") and one row in COMMANDS.
 */
import { describeCliError } from './describe-cli-error.js';
import { loadSessionFile } from './session-file.js';
import { suggestName } from './suggest-name.js';

interface CommandModule {
  run(argv: string[]): Promise<number>;
}

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  start: {
    summary: 'run the whole system locally (emulator, local FC host, chat sinks)',
    load: () => import('./commands/start.js'),
  },
  emulator: {
    summary: 'run the Live/ICE API emulator, or inject faults into / read stats of a running one',
    load: () => import('./commands/emulator.js'),
  },
  tasks: {
    summary: 'list relay tasks (table or --json), optionally by region and state',
    load: () => import('./commands/tasks.js'),
  },
  jobs: {
    summary: 'list ICE live record and transcode jobs (table or --json)',
    load: () => import('./commands/jobs.js'),
  },
  sweep: {
    summary: 'run one sweep: list every task and job, diff with the store, print what changed',
    load: () => import('./commands/sweep.js'),
  },
  restart: {
    summary: 'restart a relay task through the guarded path (verify, policies, lease, ledger)',
    load: () => import('./commands/restart.js'),
  },
  status: {
    summary: 'show tasks needing attention, restart ledgers, breakers, heartbeat and outbox',
    load: () => import('./commands/status.js'),
  },
  history: {
    summary: "show a task's timeline, lineage, restarts and uptime (store, or --url of a deployed livewatch)",
    load: () => import('./commands/history.js'),
  },
  breaker: {
    summary: 'breaker reset <scope>: close a mass-failure breaker now, recorded with who and why',
    load: () => import('./commands/breaker.js'),
  },
  task: {
    summary: 'task clear <taskId>: clear a task\'s "needs a person", recorded with who and why',
    load: () => import('./commands/task.js'),
  },
  doctor: {
    summary: 'check settings, store, credentials, channels and the alert invocation path',
    load: () => import('./commands/doctor.js'),
  },
  notify: {
    summary: 'send a test message to every receiver (or one route) and print each reply',
    load: () => import('./commands/notify.js'),
  },
  silence: {
    summary: 'add, list or expire silences and maintenance windows (shared through the store)',
    load: () => import('./commands/silence.js'),
  },
};

function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((name) => name.length)) + 2;
  return [
    'usage: livewatch <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}${entry.summary}`),
    '',
    'Run `livewatch <command> --help` for its options. Settings come from the environment (see README);',
    'beside a running `npm start`, the CLI reads the session file it writes (.livewatch/session.json).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    const guess = suggestName(name, Object.keys(COMMANDS));
    console.error(
      `livewatch: unknown command '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}\n\n${usage()}`,
    );
    return 2;
  }
  // `start` resolves its own default store (it writes the session file the others read).
  if (name !== 'start') {
    loadSessionFile(process.env);
    // A command prints its own result; the JSON log on stderr says only what went wrong.
    process.env.LIVEWATCH_LOG_LEVEL ??= 'warn';
  }
  return (await entry.load()).run(rest);
}

const command = process.argv[2];
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Known failures (bad settings, API errors) print their message; anything else is a bug.
  console.error(describeCliError(command, error, process.env));
  process.exitCode = 1;
}
