/**
 * The argument preamble every `livewatch <command>` shares: node:util `parseArgs`, a usage error
 * (`livewatch <command>: <problem>`, a blank line, the usage; exit code 2) and `--help` (the usage
 * on stdout; exit code 0). `--help`/`-h` is declared here for every command, so no command can
 * forget it; an unknown option gets the closest known one as a "did you mean".
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { describeError } from '../lib/errors.js';
import { suggestName } from './suggest-name.js';

type CommandArgsConfig = Omit<ParseArgsConfig, 'args'>;

/** Where the usage and usage errors go (a command run in-process by a test passes its own). */
export interface UsageOutput {
  out(text: string): void;
  err(text: string): void;
}

const consoleOutput: UsageOutput = { out: (text) => console.log(text), err: (text) => console.error(text) };

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** What `parseArgs` returns for these options, with `args` filled in by the helper. */
export type ParsedCommandArgs<T extends CommandArgsConfig> = ReturnType<
  typeof parseArgs<T & { args: string[] }>
>;

/**
 * Parses `argv` for `livewatch <command>`. A number means the command is done and should return
 * it as its exit code: 2 after printing a usage error, 0 after printing the usage for `--help`.
 */
export function parseCommandArgs<T extends CommandArgsConfig>(
  command: string,
  usage: string,
  argv: string[],
  config: T,
  output: UsageOutput = consoleOutput,
): ParsedCommandArgs<T> | number {
  // --help wins over every other mistake on the line: asking for help always answers (exit 0).
  if (argv.includes('--help') || argv.includes('-h')) {
    output.out(usage);
    return 0;
  }
  const options = { ...HELP_OPTION, ...config.options };
  try {
    return parseArgs({ ...config, options, args: argv }) as ParsedCommandArgs<T>;
  } catch (error) {
    return printUsageError(command, usage, describeArgsError(error, Object.keys(options)), output);
  }
}

/**
 * node:util's parse errors as a user should read them: no `TypeError`, no `ERR_PARSE_ARGS_…`
 * code, and for an unknown option the closest known one.
 */
function describeArgsError(error: unknown, known: readonly string[]): string {
  if (!(error instanceof Error)) return describeError(error);
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(error.message);
  if (unknown) {
    const guess = suggestName(unknown[2] ?? '', known);
    return `unknown option '${unknown[1]}${unknown[2]}'${guess ? ` (did you mean '--${guess}'?)` : ''}`;
  }
  const positional = /^Unexpected argument '([^']*)'/.exec(error.message);
  if (positional) return `unexpected argument '${positional[1]}'`;
  // "Option '--x <value>' argument missing" and the like: node's own words, first letter lowered.
  const message = error.message.split('\n')[0] ?? error.message;
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * Prints `livewatch <command>: <problem>` and the usage to stderr and returns the usage exit code
 * (2). An Error is described as `Name: message` (describeError), a string is printed as is.
 */
export function printUsageError(
  command: string,
  usage: string,
  problem: unknown,
  output: UsageOutput = consoleOutput,
): number {
  output.err(
    `livewatch ${command}: ${typeof problem === 'string' ? problem : describeError(problem)}\n\n${usage}`,
  );
  return 2;
}
