/**
 * `livewatch status [--json]`: what needs attention, read from the store only — tasks needing a
 * person, unhealthy tasks and their restart ledgers (restarts in the budget window, next attempt),
 * circuit breakers that are not closed, the poller heartbeat's age, the notification outbox.
 * Exit code 0 when all is well, 3 when something needs attention (handy for scripts), 2 on usage.
 */
import { systemClock } from '../../lib/clock.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { LivewatchError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { redact } from '../../lib/redact.js';
import { readStatus, type StatusReport } from '../../lib/remediate/read-status.js';
import { createStore } from '../../lib/store/create-store.js';
import { fetchStatusApi, statusApiTarget } from '../fetch-status-api.js';
import { jsonOutput } from '../json-output.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { renderColumns } from '../render-columns.js';
import { renderOverviewText } from '../render-overview-text.js';
import { OverviewSchema } from '../status-view-schemas.js';

const USAGE = `usage: livewatch status [--json] [--url URL [--token T]]

Reads the store named by LIVEWATCH_STORE_URL (no API call), or with --url the status page of a
deployed livewatch (its JSON API, GET <url>/api/overview) over HTTPS.

  --url URL    the status page, e.g. https://xxx.fcapp.run/status (the store is not read)
  --token T    its read token (default: the first of LIVEWATCH_STATUS_TOKENS; prefer the
               setting, a token on the command line is seen by other users of the machine)
  --json       print the report (or the overview) as JSON

exit codes: 0 all well, 3 something needs attention, 1 failure, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('status', USAGE, argv, {
    options: {
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { json, url, token } = parsed.values;
  const config = loadConfig();
  if (url !== undefined) return remoteStatus(config, url, token ?? config.LIVEWATCH_STATUS_TOKENS[0], json);
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  const store = await createStore(config.LIVEWATCH_STORE_URL, {
    redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    log,
  });
  try {
    const report = await readStatus(store, config, systemClock.now());
    // Which store was read: a status from the wrong directory or settings is not silently empty.
    console.log(
      json ? jsonOutput(report) : `store: ${redact(config.LIVEWATCH_STORE_URL)}\n${renderStatus(report)}`,
    );
    const attention =
      report.heartbeat.stale ||
      report.attention.length > 0 ||
      report.breakers.some((b) => b.state !== 'closed');
    return attention ? 3 : 0;
  } finally {
    await store.close();
  }
}

/** The overview of a deployed livewatch, through its status JSON API (docs/status-page.md). */
async function remoteStatus(
  config: Config,
  url: string,
  token: string | undefined,
  json: boolean | undefined,
): Promise<number> {
  const overview = await fetchStatusApi(statusApiTarget(url, token), 'overview', OverviewSchema);
  if (overview === undefined) throw new LivewatchError(`${url} has no livewatch status page (404)`);
  console.log(json ? jsonOutput(overview) : renderOverviewText(overview, config));
  const attention =
    overview.heartbeat.stale ||
    overview.attentionTotal > 0 ||
    overview.breakers.some((b) => b.state !== 'closed');
  return attention ? 3 : 0;
}

function ago(now: number, at: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** An open breaker holds the task's restarts: "paused", never "due" (the ledger's time is moot). */
function nextOf(item: StatusReport['attention'][number], now: number): string {
  if (item.pausedBy !== undefined) return `paused (breaker ${item.pausedBy})`;
  if (item.nextAttemptAt === undefined) return '';
  return item.nextAttemptAt <= now ? 'due' : `in ${Math.ceil((item.nextAttemptAt - now) / 1000)}s`;
}

export function renderStatus(report: StatusReport): string {
  const { now } = report;
  const lines: string[] = [];
  const hb = report.heartbeat;
  lines.push(
    `heartbeat: ${hb.lastSuccessAt === undefined ? 'no sweep recorded' : `last sweep ${ago(now, hb.lastSuccessAt)} ago`}${hb.stale ? '  (STALE)' : ''}${hb.lastError ? `; last error: ${hb.lastError}` : ''}`,
  );
  const o = report.outbox;
  lines.push(
    `outbox: ${o.pending} pending, ${o.sent} sent, ${o.dead} dead${o.oldestDueAt === undefined ? '' : `; oldest due ${ago(now, o.oldestDueAt)} ago`}`,
  );
  lines.push('');
  if (report.attention.length === 0) {
    lines.push('tasks needing attention: none');
  } else {
    lines.push(`tasks needing attention (${report.attention.length}):`);
    const rows = [['TASK', 'NAME', 'REGION', 'STATE', 'REASON', 'FOR', 'RESTARTS', 'NEXT', 'NEEDS PERSON']];
    for (const item of report.attention) {
      rows.push([
        item.taskId,
        item.name ?? '',
        item.region,
        item.state,
        [item.reason, item.unsure].filter(Boolean).join('; '),
        ago(now, item.since),
        String(item.restartsInWindow),
        nextOf(item, now),
        item.needsPerson ? 'YES' : '',
      ]);
    }
    lines.push(renderColumns(rows));
  }
  lines.push('');
  if (report.breakers.length === 0) {
    lines.push('breakers: all closed');
  } else {
    const rows = [['BREAKER', 'STATE', 'FAILURES', 'OPENED', 'PROBE']];
    for (const b of report.breakers) {
      rows.push([
        b.key,
        b.state,
        String(b.failuresInWindow),
        b.openedAt === undefined ? '' : `${ago(now, b.openedAt)} ago`,
        b.probeTaskKey ?? '',
      ]);
    }
    lines.push(renderColumns(rows));
  }
  // Task names and error texts come from outside: never print a secret that slipped into one.
  return redact(lines.join('\n'));
}
