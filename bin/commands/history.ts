/**
 * `livewatch history <taskId> [--limit N] [--json] [--url URL [--token T]]`: a task's page as text —
 * state, restarts of the budget, uptime over 24 h and 7 d, lineage, and the timeline of everything
 * livewatch recorded (events, verifications, decisions with reasons, restarts, resumes, notices,
 * operator actions). From the store, or with --url from a deployed livewatch's JSON API.
 * Exit codes: 0 shown, 1 no such task or failure, 2 usage.
 */
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { findTaskKey, readTaskView } from '../../lib/status/read-task-view.js';
import { createStore } from '../../lib/store/create-store.js';
import { fetchStatusApi, statusApiTarget } from '../fetch-status-api.js';
import { jsonOutput } from '../json-output.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';
import { renderHistoryText } from '../render-history-text.js';
import { type TaskViewData, TaskViewSchema } from '../status-view-schemas.js';

const USAGE = `usage: livewatch history <taskId> [--limit N] [--json] [--url URL [--token T]]

  --limit N    timeline entries to print, newest first (default 50)
  --json       print the view as JSON (what GET /status/api/tasks/<taskId> answers)
  --url URL    read a deployed livewatch's status page (e.g. https://xxx.fcapp.run/status)
               instead of the store
  --token T    its read token (default: the first of LIVEWATCH_STATUS_TOKENS)

exit codes: 0 shown, 1 no such task or a failure, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('history', USAGE, argv, {
    allowPositionals: true,
    options: {
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      token: { type: 'string' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [taskId, ...extra] = positionals;
  if (taskId === undefined || extra.length > 0) {
    return printUsageError('history', USAGE, 'exactly one task id is required');
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    return printUsageError('history', USAGE, `--limit must be a whole number above 0, got '${values.limit}'`);
  }
  const config = loadConfig();
  const view =
    values.url === undefined
      ? await readFromStore(config, taskId)
      : await fetchStatusApi(
          statusApiTarget(values.url, values.token ?? config.LIVEWATCH_STATUS_TOKENS[0]),
          `tasks/${encodeURIComponent(taskId)}`,
          TaskViewSchema,
        );
  if (view === undefined) {
    console.error(`livewatch history: no task ${taskId} ${values.url ? `at ${values.url}` : 'in the store'}`);
    return 1;
  }
  console.log(values.json ? jsonOutput(view) : renderHistoryText(view, config, limit));
  return 0;
}

async function readFromStore(
  config: ReturnType<typeof loadConfig>,
  taskId: string,
): Promise<TaskViewData | undefined> {
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  const store = await createStore(config.LIVEWATCH_STORE_URL, {
    redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    log,
  });
  try {
    const key = await findTaskKey(store, config, taskId);
    return key === undefined ? undefined : await readTaskView(store, config, key, systemClock.now());
  } finally {
    await store.close();
  }
}
