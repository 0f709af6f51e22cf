/**
 * The argument preamble every `livewatch <command>` shares: node:util `parseArgs`, a usage error
 * (`livewatch <command>: <problem>`, a blank line, the usage; exit code 2) and `--help` (the usage
 * on stdout; exit code 0). The command declares its own `help` option so `-h` stays its choice.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { describeError } from '../lib/errors.js';

type CommandArgsConfig = Omit<ParseArgsConfig, 'args'>;

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
): ParsedCommandArgs<T> | number {
  let parsed: ParsedCommandArgs<T>;
  try {
    parsed = parseArgs({ ...config, args: argv });
  } catch (error) {
    return printUsageError(command, usage, error);
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    console.log(usage);
    return 0;
  }
  return parsed;
}

/**
 * Prints `livewatch <command>: <problem>` and the usage to stderr and returns the usage exit code
 * (2). An Error is described as `Name: message` (describeError), a string is printed as is.
 */
export function printUsageError(command: string, usage: string, problem: unknown): number {
  console.error(`livewatch ${command}: ${describeError(problem)}\n\n${usage}`);
  return 2;
}
