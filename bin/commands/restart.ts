/**
 * `livewatch restart <taskId> [--region R] [--force] [--json]`: restarts a relay task through the same
 * guarded path as the alert function — verify through the API, the policies, the task's lease, the
 * ledger and history, notices. `--force` bypasses backoff, the restart budget, needs-person, the
 * circuit breaker, opt-out and a stop by a user (a person is asking); it never restarts a task
 * outside its StartTime/EndTime or an exited one, and LIVEWATCH_DRY_RUN is still honoured.
 * Exit codes: 0 restarted (or would restart in dry-run); 3 declined by a policy (the reason is
 * printed); 1 failed; 2 usage. Who asked (`--by`, default the login name) and why (`--reason`) are
 * recorded in the task's history beside the decision.
 */
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createStoreRateLimiter } from '../../lib/aliyun/create-store-rate-limiter.js';
import { requireCredentials } from '../../lib/aliyun/credentials-from-config.js';
import { rateLimitOf } from '../../lib/aliyun/rate-limiter.js';
import { systemClock } from '../../lib/clock.js';
import { LIVE_REGIONS, loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import type { OperatorRequest } from '../../lib/operator/operator-request.js';
import { restartOnRequest } from '../../lib/remediate/restart-on-request.js';
import type { TaskOutcome } from '../../lib/remediate/task-case.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { jsonOutput } from '../json-output.js';
import { operatorRequestOf } from '../operator-session.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';

const DEFAULT_REASON = 'asked from the CLI';

const USAGE = `usage: livewatch restart <taskId> [--region R] [--force] [--reason "…"] [--by NAME] [--json]

  --region R   live center of the task (default: found among LIVEWATCH_LIVE_REGIONS)
  --force      bypass backoff, budget, needs-person, breaker, opt-out and a user stop
               (never the task's StartTime/EndTime window; dry-run still applies)
  --reason R   why (recorded with who in the task's history; default: "${DEFAULT_REASON}")
  --by NAME    who (default: your login name)
  --json       print the outcome as JSON

exit codes: 0 restarted (or would restart in dry-run), 3 declined by a policy, 1 failed, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('restart', USAGE, argv, {
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      force: { type: 'boolean', default: false },
      reason: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [taskId, ...extra] = positionals;
  if (taskId === undefined || extra.length > 0) {
    return printUsageError('restart', USAGE, 'exactly one task id is required');
  }
  const request = operatorRequestOf('restart', USAGE, values, DEFAULT_REASON);
  if (typeof request === 'number') return request;
  const config = loadConfig();
  if (values.region !== undefined && !(LIVE_REGIONS as readonly string[]).includes(values.region)) {
    return printUsageError(
      'restart',
      USAGE,
      `--region must be one of ${LIVE_REGIONS.join(', ')}, got '${values.region}'`,
    );
  }
  // Without --region, every configured live center is searched (a TaskId is unique).
  const regions = values.region === undefined ? config.LIVEWATCH_LIVE_REGIONS : [values.region];
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  const clock = systemClock;
  const store = await createStore(config.LIVEWATCH_STORE_URL, {
    redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    log,
  });
  try {
    // The store-backed limiter: the CLI shares the account's API budget with the running functions.
    const client = createAliyunClient({
      config,
      credentials: requireCredentials(config),
      ...(config.LIVEWATCH_ACCOUNT_ID ? { accountId: config.LIVEWATCH_ACCOUNT_ID } : {}),
      limiter: createStoreRateLimiter({ ...rateLimitOf(config), store, clock }),
      clock,
      log,
    });
    const notifier = createNotifier({ config, store, clock, log });
    const outcome = await restartOnRequest(
      { config, store, client, notifier, clock, log },
      { regions, taskId, force: values.force },
    );
    await recordRequest(store, clock.now(), outcome, request, values.force);
    try {
      await notifier.flush();
    } catch (error) {
      // The notices are in the store; the alert tick delivers them if this flush could not.
      log.warn('could not flush notifications now; the alert tick will', { error });
    }
    console.log(values.json ? jsonOutput(outcome) : describeOutcome(outcome, config.LIVEWATCH_DRY_RUN));
    return exitCodeOf(outcome);
  } finally {
    await store.close();
  }
}

/**
 * Who asked and why, beside the decision the guarded path recorded (docs/status-page.md "Operator
 * actions"). Nothing is recorded for a task that was not found: there is no history to add to.
 */
async function recordRequest(
  store: Store,
  at: number,
  outcome: TaskOutcome,
  request: OperatorRequest,
  force: boolean,
): Promise<void> {
  if (outcome.action === 'gone') return;
  await store.appendHistory(outcome.key, {
    at,
    type: 'operator',
    message: `restart${force ? ' --force' : ''} asked by ${request.actor}: ${request.reason} (${outcome.action})`,
    data: { action: 'restart', actor: request.actor, reason: request.reason, force, outcome: outcome.action },
  });
}

export function exitCodeOf(outcome: TaskOutcome): number {
  switch (outcome.action) {
    case 'restarted':
    case 'would-restart':
      return 0;
    case 'failed':
    case 'gone':
      return 1;
    default:
      return 3;
  }
}

/**
 * One line a person reads: what happened to which task where, and why. The next automatic attempt
 * only matters when this restart did not happen.
 */
function describeOutcome(outcome: TaskOutcome, dryRun: boolean): string {
  const where = `${outcome.taskId} in ${outcome.region}`;
  const renamed = outcome.newTaskId ? `\nnew TaskId: ${outcome.newTaskId} (ledger and history moved)` : '';
  if (outcome.action === 'restarted') {
    // The history's words ("restarted (#2): …") without saying "restarted" twice.
    const reason = outcome.reason.replace(/^restarted \(#(\d+)\): /, '(attempt #$1): ');
    return `restarted ${where}${reason.startsWith('(') ? ` ${reason}` : `: ${reason}`}${renamed}`;
  }
  if (outcome.action === 'would-restart') {
    return `dry-run: would restart ${where}${dryRun ? ' (LIVEWATCH_DRY_RUN is on)' : ''}: ${outcome.reason}`;
  }
  const next =
    outcome.nextAttemptAt === undefined
      ? ''
      : `\nnext automatic attempt not before ${new Date(outcome.nextAttemptAt).toISOString()}`;
  return `not restarted (${outcome.action}): ${where}: ${outcome.reason}${next}`;
}
