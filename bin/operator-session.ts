import { userInfo } from 'node:os';
import { systemClock } from '../lib/clock.js';
import { type Config, loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { createNotifier } from '../lib/notify/create-notifier.js';
import { type OperatorRequest, parseOperatorRequest } from '../lib/operator/operator-request.js';
import type { OperatorDeps } from '../lib/operator/reset-breaker.js';
import { redact } from '../lib/redact.js';
import { createStore } from '../lib/store/create-store.js';
import { jsonOutput } from './json-output.js';
import { parseCommandArgs, printUsageError } from './parse-command-args.js';

/** Who runs the command, when --by is not given: the login name. */
function defaultActor(): string {
  try {
    return process.env.USER ?? userInfo().username;
  } catch {
    return '';
  }
}

/**
 * Who (`--by`, default the login name) and why (`--reason`) of an operator command, or the usage
 * error's exit code: a bad or missing one changes nothing, since nothing was read yet.
 */
export function operatorRequestOf(
  command: string,
  usage: string,
  flags: { readonly by?: string | undefined; readonly reason?: string | undefined },
  defaultReason = '',
): OperatorRequest | number {
  try {
    return parseOperatorRequest({ actor: flags.by ?? defaultActor(), reason: flags.reason ?? defaultReason });
  } catch (error) {
    return printUsageError(command, usage, (error as Error).message);
  }
}

/**
 * Runs an operator action with the store and notifier, then flushes the notices it queued (the
 * alert tick would otherwise send them) and closes the store.
 */
async function withOperatorDeps<T>(config: Config, act: (deps: OperatorDeps) => Promise<T>): Promise<T> {
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  const store = await createStore(config.LIVEWATCH_STORE_URL, {
    redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    log,
  });
  try {
    const notifier = createNotifier({ config, store, clock: systemClock, log });
    const result = await act({ store, clock: systemClock, notifier });
    try {
      await notifier.flush();
    } catch (error) {
      log.warn('could not flush notifications now; the alert tick will', { error });
    }
    return result;
  } finally {
    await store.close();
  }
}

/** One `livewatch <command> <action> <target> --reason "…" [--by NAME] [--json]` command. */
interface OperatorCommand<T> {
  readonly command: string;
  readonly usage: string;
  /** The one action verb the command takes (`reset`, `clear`). */
  readonly action: string;
  /** The usage error when the target is missing or followed by more positionals. */
  readonly targetRequired: string;
  readonly act: (deps: OperatorDeps, config: Config, target: string, request: OperatorRequest) => Promise<T>;
  /** The one-line answer for a person (redacted before it is printed). */
  readonly describe: (result: T, request: OperatorRequest) => string;
}

/**
 * The flags, action and target checks, the who-and-why and the printing the operator commands share;
 * every usage error (exit 2) comes before the store is opened, so it changes nothing.
 */
export async function runOperatorCommand<T>(spec: OperatorCommand<T>, argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(spec.command, spec.usage, argv, {
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, target, ...extra] = positionals;
  if (action !== spec.action) {
    return printUsageError(
      spec.command,
      spec.usage,
      `unknown action '${action ?? ''}' (only: ${spec.action})`,
    );
  }
  if (target === undefined || extra.length > 0) {
    return printUsageError(spec.command, spec.usage, spec.targetRequired);
  }
  const request = operatorRequestOf(spec.command, spec.usage, values);
  if (typeof request === 'number') return request;
  const config = loadConfig();
  const result = await withOperatorDeps(config, (deps) => spec.act(deps, config, target, request));
  console.log(values.json ? jsonOutput(result) : redact(spec.describe(result, request)));
  return 0;
}
