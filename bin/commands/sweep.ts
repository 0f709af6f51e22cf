/**
 * `livewatch sweep [--json] [--invoke] [--budget-ms N]`: one sweep with the settings, printed.
 * By default a dry run: lists and diffs against the store, and prints what a sweep would report,
 * writing and invoking nothing (so running it by hand never swallows a transition the poller should
 * hand to the alert function). `--invoke` runs a real sweep, exactly as the poller function does:
 * snapshots, cursor and heartbeat are written, enrolment runs, events go to the alert function.
 */
import { credentialsFromConfig } from '../../lib/aliyun/credentials-from-config.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { runSweep } from '../../lib/monitor/run-sweep.js';
import type { SweepProgress, SweepReport } from '../../lib/monitor/sweep-report.js';
import type { Invoker } from '../../lib/ports/invoker.js';
import { redact } from '../../lib/redact.js';
import { createRuntime } from '../../lib/runtime.js';
import { createHttpInvoker } from '../../local/host/create-http-invoker.js';
import { jsonOutput } from '../json-output.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';
import { renderColumns } from '../render-columns.js';

const USAGE = `usage: livewatch sweep [--json] [--invoke] [--budget-ms N]

  --json         print the full report as JSON
  --invoke       a real sweep: write the store, enrol callback URLs and invoke
                 LIVEWATCH_ALERT_FUNCTION with the events (default: a dry run that changes nothing)
  --budget-ms N  stop after N ms and leave a cursor (default LIVEWATCH_SWEEP_BUDGET_MS)

Settings come from the environment (LIVEWATCH_STORE_URL, ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET,
LIVEWATCH_LIVE_REGIONS, LIVEWATCH_ICE_REGIONS, …), or beside \`npm start\` from its session file:
then --invoke hands the events to that local host's alert function. Otherwise --invoke needs
LIVEWATCH_ACCOUNT_ID (the deployed alert function through FC's InvokeFunction). Exit codes: 0 swept, 1 failed, 2 usage,
3 swept with errors (an API failure, an invoke failure).`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('sweep', USAGE, argv, {
    options: {
      json: { type: 'boolean', default: false },
      invoke: { type: 'boolean', default: false },
      'budget-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const budget = values['budget-ms'];
  const budgetMs = budget === undefined ? undefined : Number(budget);
  if (budgetMs !== undefined && (!Number.isInteger(budgetMs) || budgetMs < 1)) {
    return printUsageError(
      'sweep',
      USAGE,
      new Error(`--budget-ms must be a positive integer, got ${JSON.stringify(budget)}`),
    );
  }
  const options = { json: values.json, invoke: values.invoke, budgetMs };

  const config = loadConfig();
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn' });
  // The CLI has no FC context: the settings' AccessKey signs both the API calls and the invocation.
  const credentials = credentialsFromConfig(config);
  const invoker = localInvoker(config);
  if (options.invoke && invoker === undefined && !config.LIVEWATCH_ACCOUNT_ID) {
    return printUsageError(
      'sweep',
      USAGE,
      '--invoke hands events to the alert function: run it beside `npm start` (it reads .livewatch/session.json), or set LIVEWATCH_ACCOUNT_ID to invoke the deployed livewatch-alert through FC',
    );
  }
  const runtime = await createRuntime({
    config,
    log,
    context: credentials === undefined ? {} : { credentials },
    ...(invoker === undefined ? {} : { invoker }),
  });
  try {
    const progress = process.stderr.isTTY ? showProgress : undefined;
    const report = await runSweep(
      {
        config,
        store: runtime.store,
        client: runtime.client(),
        invoker: runtime.invoker,
        notifier: runtime.notifier,
        clock: runtime.clock,
        log,
      },
      {
        dryRun: !options.invoke,
        ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
        ...(progress === undefined ? {} : { onProgress: progress }),
      },
    );
    if (progress) process.stderr.write('\r\x1b[K');
    console.log(options.json ? jsonOutput(report) : renderSweep(report, config.LIVEWATCH_ALERT_FUNCTION));
    return report.errors.length > 0 ? 3 : 0;
  } finally {
    await runtime.close();
  }
}

/** Listed but not healthy: a relay not running, a record job paused. */
const UNHEALTHY: ReadonlySet<string> = new Set(['recovering', 'offline', 'paused']);

/**
 * What the events mean, truthfully: they are changes since the stored snapshots, so a task that was
 * already offline at the last sweep makes none — say so, instead of "0 event(s)" beside 31 tasks
 * recovering — and say where the events went (or would have gone).
 */
function describeEvents(report: SweepReport, alertFunction: string): string[] {
  const count = report.events.length;
  const lines = [`${count} event(s) (state changes since the stored snapshots), ${report.changes} change(s)`];
  const unhealthy = Object.values(report.tasks)
    .flatMap((states) => Object.entries(states))
    .filter(([state]) => UNHEALTHY.has(state))
    .reduce((sum, [, n]) => sum + (n ?? 0), 0);
  if (count === 0 && unhealthy > 0) {
    lines.push(
      `${unhealthy} listed not healthy were already so at the last sweep (\`livewatch status\` shows them)`,
    );
  }
  const failed = report.errors.filter((error) => error.operation === 'invoke').length;
  if (report.dryRun) {
    if (count > 0) lines.push(`dry run: would hand them to ${alertFunction} (--invoke does)`);
  } else if (count > 0 || failed > 0) {
    lines.push(
      `handed ${count} event(s) to ${alertFunction} in ${report.batches} batch(es)${failed > 0 ? `; ${failed} batch(es) failed (below), their events are reported again next sweep` : ''}`,
    );
  }
  return lines;
}

/** Beside `npm start`: its local host's invoker endpoint (from the session file), not FC. */
function localInvoker(config: Config): Invoker | undefined {
  const url = config.LIVEWATCH_LOCAL_INVOKER_URL;
  const token = config.LIVEWATCH_LOCAL_INVOKER_TOKEN;
  return url === undefined || token === undefined ? undefined : createHttpInvoker({ url, token });
}

function showProgress(progress: SweepProgress): void {
  process.stderr.write(
    `\r\x1b[K${progress.scope} page ${progress.page}/${progress.pages} · ${progress.items} listed · ${progress.events} events · ${(progress.elapsedMs / 1000).toFixed(1)} s`,
  );
}

/** The human-readable report: tasks by state, changes, enrolments, API calls, duration. Secret-free. */
export function renderSweep(report: SweepReport, alertFunction = 'the alert function'): string {
  const lines: string[] = [];
  const mode = report.dryRun ? 'dry run (nothing written or invoked; --invoke for a real sweep)' : 'sweep';
  const extent = report.complete
    ? 'complete'
    : [
        report.continuedFrom
          ? `continued from ${report.continuedFrom.scope} page ${report.continuedFrom.page}`
          : '',
        report.leftAt ? `stopped at ${report.leftAt.scope} page ${report.leftAt.page} (budget)` : '',
      ]
        .filter((part) => part !== '')
        .join(', ') || 'incomplete';
  lines.push(`${mode}: ${extent}, ${(report.durationMs / 1000).toFixed(1)} s`);
  if (report.skipped) lines.push(`skipped: ${report.skipped}`);

  const counts: string[][] = [['kind', 'state', 'count']];
  for (const [kind, states] of Object.entries(report.tasks)) {
    for (const [state, count] of Object.entries(states)) counts.push([kind, state, String(count ?? 0)]);
  }
  lines.push('', counts.length > 1 ? renderColumns(counts) : 'no tasks or jobs listed');

  lines.push('', ...describeEvents(report, alertFunction));
  if (report.events.length > 0) {
    const rows = [['kind', 'id', 'region', 'trigger', 'from', 'to', 'reason']];
    for (const event of report.events) {
      rows.push([
        event.resource.kind,
        event.resource.id,
        event.resource.region,
        event.trigger,
        event.previousState ?? '-',
        event.state,
        event.reason ?? '',
      ]);
    }
    lines.push(renderColumns(rows));
  }

  if (report.enrolments.length > 0 || report.enrolmentsDeferred > 0) {
    const ok = report.enrolments.filter((enrolment) => enrolment.ok);
    lines.push(
      '',
      `enrolment: ${ok.length} enrolled (${ok.filter((enrolment) => enrolment.action === 'takeover').length} taken over), ${report.enrolments.length - ok.length} failed, ${report.enrolmentsDeferred} left for later sweeps`,
    );
  }

  const byAction = Object.entries(report.apiCalls.byAction)
    .map(([action, count]) => `${action} ${count}`)
    .join(', ');
  lines.push(
    '',
    `API calls: ${report.apiCalls.requests} (${byAction || 'none'}); retries ${report.apiCalls.retries}, throttled ${report.apiCalls.throttled}`,
  );
  if (report.errors.length > 0) {
    lines.push('', 'errors:');
    for (const error of report.errors) {
      lines.push(`  ${[error.operation, error.scope, error.id].filter(Boolean).join(' ')}: ${error.message}`);
    }
  }
  return redact(lines.join('\n'));
}
