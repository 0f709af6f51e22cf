/**
 * `livewatch doctor [--send-test] [--deployed] [--json]`: checks that livewatch can work — settings,
 * store (reachable, schema version), credentials (one read-only list call per configured region),
 * each chat channel (`--send-test` sends a test message), the alert invocation path — and prints a
 * short table. Locally it uses this shell's settings; `--deployed` invokes the deployed poller
 * function synchronously with a doctor payload, so the checks run with the function's role, VPC
 * and settings. Exit code 0 all ok, 3 a warning, 1 a failure, 2 usage.
 */
import { createAliyunClient } from '../../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../../lib/aliyun/create-memory-rate-limiter.js';
import { requireCredentials } from '../../lib/aliyun/credentials-from-config.js';
import { rateLimitOf } from '../../lib/aliyun/rate-limiter.js';
import { systemClock } from '../../lib/clock.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { type DoctorReport, DoctorReportSchema, exitCodeOf } from '../../lib/doctor/doctor-report.js';
import { runDoctor } from '../../lib/doctor/run-doctor.js';
import { ConfigError, describeError, InvokeError } from '../../lib/errors.js';
import { createFcInvoker, type FcInvoker } from '../../lib/fc/create-fc-invoker.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { createChannels } from '../../lib/notify/create-channels.js';
import { redact } from '../../lib/redact.js';
import { createStore } from '../../lib/store/create-store.js';
import { jsonOutput } from '../json-output.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { renderColumns } from '../render-columns.js';

/** The deployed functions' names (s.yaml). */
const POLLER_FUNCTION = 'livewatch-poller';

const USAGE = `usage: livewatch doctor [--send-test] [--deployed] [--json]

  --send-test   send a test message to each configured chat channel
  --deployed    run the checks inside the deployed poller function (FC InvokeFunction, synchronous):
                needs the AccessKey, LIVEWATCH_ACCOUNT_ID and LIVEWATCH_FC_REGION of the deployment
  --json        print the report as JSON

Locally the alert invocation is checked when LIVEWATCH_ACCOUNT_ID (or LIVEWATCH_FC_ENDPOINT) is set.
exit codes: 0 all ok, 3 something needs attention, 1 a check failed, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('doctor', USAGE, argv, {
    options: {
      'send-test': { type: 'boolean', default: false },
      deployed: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const sendTest = parsed.values['send-test'];
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const checks = error.issues.map((i) => ({
      check: 'settings',
      status: 'fail' as const,
      detail: `${i.variable}: ${i.message}`,
    }));
    return print({ where: 'local', checks }, parsed.values.json);
  }
  const log = createLogger({ level: 'error' });
  const report = parsed.values.deployed
    ? await runDeployed(config, log, sendTest)
    : await runLocal(config, log, sendTest);
  return print(report, parsed.values.json);
}

async function runLocal(config: Config, log: Logger, sendTest: boolean): Promise<DoctorReport> {
  const store = await createStore(config.LIVEWATCH_STORE_URL, {
    redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    log,
  }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  try {
    const invoker = fcInvokerOf(config, log);
    return await runDoctor(
      {
        config,
        store,
        client: listingClient(config, log),
        channels: createChannels(config, systemClock, log),
        invoker: invoker instanceof Error ? undefined : invoker,
        clock: systemClock,
      },
      {
        where: 'local',
        sendTest,
        ...(invoker instanceof Error ? { noInvokerReason: invoker.message } : {}),
      },
    );
  } finally {
    if (!(store instanceof Error)) await store.close();
  }
}

async function runDeployed(config: Config, log: Logger, sendTest: boolean): Promise<DoctorReport> {
  const invoker = fcInvokerOf(config, log);
  const check = `invoke ${POLLER_FUNCTION} (doctor)`;
  if (invoker instanceof Error)
    return { where: 'deployed', checks: [{ check, status: 'fail', detail: invoker.message }] };
  const payload = JSON.stringify({ livewatchDoctor: { sendTest } });
  for (let attempt = 1; ; attempt++) {
    try {
      return DoctorReportSchema.parse(JSON.parse(await invoker.invokeSync(POLLER_FUNCTION, payload)));
    } catch (error) {
      // The poller has reserved concurrency 1: while a sweep runs, FC refuses a second instance (429).
      if (isThrottled(error) && attempt < BUSY_ATTEMPTS) {
        console.error(`livewatch doctor: ${POLLER_FUNCTION} is busy (a sweep is running); trying again`);
        await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
        continue;
      }
      return { where: 'deployed', checks: [{ check, status: 'fail', detail: describeError(error) }] };
    }
  }
}

/** A sweep takes at most the poller's 55 s timeout; 30 tries 2 s apart outlast it. */
const BUSY_ATTEMPTS = 30;
const BUSY_PAUSE_MS = 2_000;

function isThrottled(error: unknown): boolean {
  return error instanceof InvokeError && / HTTP 429\b/.test(error.message);
}

/** The FC invoker of the deployment this shell names, or why there is none. */
function fcInvokerOf(config: Config, log: Logger): FcInvoker | Error {
  if (!config.LIVEWATCH_ACCOUNT_ID && !config.LIVEWATCH_FC_ENDPOINT) {
    return new Error(
      'not checked: set LIVEWATCH_ACCOUNT_ID (and LIVEWATCH_FC_REGION) to reach FC, or use --deployed',
    );
  }
  try {
    const credentials = requireCredentials(config);
    return createFcInvoker({
      accountId: config.LIVEWATCH_ACCOUNT_ID ?? '',
      region: process.env.LIVEWATCH_FC_REGION || config.LIVEWATCH_LIVE_REGIONS[0] || 'cn-shanghai',
      credentials,
      endpoint: config.LIVEWATCH_FC_ENDPOINT,
      signature: config.LIVEWATCH_FC_SIGNATURE,
      timeoutMs: 30_000,
      log,
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function listingClient(config: Config, log: Logger) {
  try {
    return createAliyunClient({
      config,
      credentials: requireCredentials(config),
      ...(config.LIVEWATCH_ACCOUNT_ID ? { accountId: config.LIVEWATCH_ACCOUNT_ID } : {}),
      limiter: createMemoryRateLimiter({ ...rateLimitOf(config), clock: systemClock }),
      clock: systemClock,
      log,
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function print(report: DoctorReport, json: boolean): number {
  const text = json
    ? jsonOutput(report)
    : [
        `livewatch doctor (${report.where})`,
        renderColumns([
          ['check', 'status', 'detail'],
          ...report.checks.map((c) => [c.check, c.status, c.detail]),
        ]),
      ].join('\n');
  console.log(redact(text));
  return exitCodeOf(report);
}
