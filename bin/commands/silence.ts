/**
 * `livewatch silence add|list|expire`: silences and maintenance windows, kept in the store named by
 * LIVEWATCH_STORE_URL so every instance honours them. A silenced alert is recorded in the task's
 * history and not sent; `--pause-restarts` also pauses automatic restarts in its scope
 * (docs/notify.md "Silences"). Exit codes: 0 done, 1 failure (store, unknown id), 2 usage.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../../lib/config/config.js';
import { ValidationError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { createSilenceBook, type ListedSilence } from '../../lib/notify/create-silence-book.js';
import { redact } from '../../lib/redact.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Silence, Store } from '../../lib/store/store.js';
import { jsonOutput } from '../json-output.js';
import { type ParsedCommandArgs, parseCommandArgs, printUsageError } from '../parse-command-args.js';
import { renderColumns } from '../render-columns.js';

const USAGE = `usage:
  livewatch silence add <matchers> (--duration D | --end T) --comment TEXT [--start T] [--author NAME] [--pause-restarts] [--json]
  livewatch silence list [--all] [--json]
  livewatch silence expire <id> [--json]

matchers (at least one; lists are comma-separated and match any of their values):
  --severity critical,warning,info   --kind relay,record,transcode,monitor
  --region cn-shanghai,…             --reason PullStreamFailed,…
  --source-host origin.example.com   --task-name REGEX   --task-id ID,…

  --start T          when it begins (default now); ISO 8601 with a zone, e.g. 2026-12-03T22:00+08:00
  --end T | --duration D   when it ends, or for how long (90m, 2h, 1h30m, 1d; at most 30 days)
  --author NAME      who is silencing (default: your user name)
  --comment TEXT     why (required), e.g. a ticket
  --pause-restarts   a maintenance window: also no automatic restarts of matching tasks while active
  --all              list also expired silences (kept 7 days)

Reads and writes the store named by LIVEWATCH_STORE_URL.
exit codes: 0 done, 1 failure (store unreachable, unknown id), 2 usage`;

const OPTIONS = {
  severity: { type: 'string' },
  kind: { type: 'string' },
  region: { type: 'string' },
  reason: { type: 'string' },
  'source-host': { type: 'string' },
  'task-name': { type: 'string' },
  'task-id': { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  duration: { type: 'string' },
  author: { type: 'string' },
  comment: { type: 'string' },
  'pause-restarts': { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

const LIST_FLAGS = ['severity', 'kind', 'region', 'reason', 'source-host', 'task-id'] as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('silence', USAGE, argv, { allowPositionals: true, options: OPTIONS });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (action !== 'add' && action !== 'list' && action !== 'expire') {
    const got =
      action === undefined ? 'a subcommand is required' : `unknown subcommand ${JSON.stringify(action)}`;
    return printUsageError('silence', USAGE, `${got}: add, list or expire`);
  }
  if (action === 'expire' ? rest.length !== 1 : rest.length > 0) {
    return printUsageError(
      'silence',
      USAGE,
      action === 'expire'
        ? 'expire takes exactly one silence id'
        : `unexpected ${JSON.stringify(rest.join(' '))}`,
    );
  }
  if (action === 'add') {
    // Validated before the store is opened: a bad flag changes nothing.
    const input = addInputOf(values);
    try {
      return await withStore((store) => add(store, input, values.json));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const issue of error.issues)
        console.error(`livewatch silence add: ${issue.path}: ${issue.message}`);
      console.error('(see livewatch silence --help)');
      return 2;
    }
  }
  if (action === 'list') return withStore((store) => list(store, values.all, values.json));
  return withStore((store) => expire(store, rest[0] ?? '', values.json));
}

type Values = ParsedCommandArgs<{ allowPositionals: true; options: typeof OPTIONS }>['values'];

function addInputOf(values: Values) {
  const lists: Partial<Record<(typeof LIST_FLAGS)[number], string[]>> = {};
  for (const flag of LIST_FLAGS) {
    const text = values[flag];
    if (text !== undefined) lists[flag] = text.split(',').map((item) => item.trim());
  }
  return {
    ...lists,
    ...(values['task-name'] !== undefined ? { 'task-name': values['task-name'] } : {}),
    ...(values.start !== undefined ? { start: values.start } : {}),
    ...(values.end !== undefined ? { end: values.end } : {}),
    ...(values.duration !== undefined ? { duration: values.duration } : {}),
    author: values.author ?? defaultAuthor(),
    comment: values.comment ?? '',
    'pause-restarts': values['pause-restarts'],
  };
}

function defaultAuthor(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

async function withStore(work: (store: Store) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  const store = await createStore(config.LIVEWATCH_STORE_URL, {
    redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    log,
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function add(store: Store, input: ReturnType<typeof addInputOf>, json: boolean): Promise<number> {
  const silence = await createSilenceBook(store, Date.now).add(input);
  const what = silence.pauseRestarts ? 'maintenance window (alerts silenced, restarts paused)' : 'silence';
  print(
    json
      ? jsonOutput(silence)
      : `added ${what} ${silence.id}: ${matchersText(silence)}, ${timeOf(silence.startsAt)} – ${timeOf(silence.endsAt)}`,
  );
  return 0;
}

async function list(store: Store, all: boolean, json: boolean): Promise<number> {
  const silences = await createSilenceBook(store, Date.now).list({ all });
  if (json) {
    print(jsonOutput(silences));
  } else if (silences.length === 0) {
    print(all ? 'no silences' : 'no active or pending silences');
  } else {
    print(renderSilences(silences));
  }
  return 0;
}

async function expire(store: Store, id: string, json: boolean): Promise<number> {
  const done = await createSilenceBook(store, Date.now).expire(id);
  if (done === undefined) {
    console.error(
      `livewatch silence expire: no silence ${JSON.stringify(id)} (see livewatch silence list --all)`,
    );
    return 1;
  }
  print(
    json
      ? jsonOutput(done.silence)
      : done.expiredNow
        ? `expired ${id}: ${matchersText(done.silence)}`
        : `${id} had already expired at ${timeOf(done.silence.endsAt)}`,
  );
  return 0;
}

function renderSilences(silences: readonly ListedSilence[]): string {
  const rows = [['ID', 'STATE', 'STARTS', 'ENDS', 'MATCHERS', 'RESTARTS', 'AUTHOR', 'COMMENT']];
  for (const s of silences) {
    rows.push([
      s.id,
      s.state,
      timeOf(s.startsAt),
      timeOf(s.endsAt),
      matchersText(s),
      s.pauseRestarts ? 'paused' : '',
      s.createdBy,
      s.comment.replace(/\s+/g, ' '),
    ]);
  }
  return renderColumns(rows);
}

function matchersText(silence: Silence): string {
  const m = silence.matchers;
  const parts: string[] = [];
  const add = (flag: string, value: readonly string[] | string | undefined) => {
    if (value !== undefined) parts.push(`${flag}=${Array.isArray(value) ? value.join(',') : value}`);
  };
  add('severity', m.severity);
  add('kind', m.kind);
  add('region', m.region);
  add('reason', m.reason);
  add('source-host', m.sourceHost);
  add('task-name', m.taskName === undefined ? undefined : `/${m.taskName}/`);
  add('task-id', m.taskId);
  return parts.join(' ');
}

function timeOf(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Comments and task names come from people: never print a secret that slipped into one. */
function print(text: string): void {
  console.log(redact(text));
}
