import { userInfo } from 'node:os';
import { systemClock } from '../lib/clock.js';
import type { Config } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { createNotifier } from '../lib/notify/create-notifier.js';
import { type OperatorRequest, parseOperatorRequest } from '../lib/operator/operator-request.js';
import type { OperatorDeps } from '../lib/operator/reset-breaker.js';
import { createStore } from '../lib/store/create-store.js';
import { printUsageError } from './parse-command-args.js';

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
export async function withOperatorDeps<T>(
  config: Config,
  act: (deps: OperatorDeps) => Promise<T>,
): Promise<T> {
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
