/**
 * `livewatch emulator`: run the Live/ICE API emulator, or drive a running one (faults, stats)
 * through its control API.
 */
import { LIVE_REGIONS } from '../../lib/config/config.js';
import { describeError, LivewatchError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import {
  type EmulatorOptions,
  type EmulatorStats,
  loadScenarioFile,
  parseLatency,
  parseRetryLag,
  READING_CHOICES,
  type ReadingsInput,
  startEmulator,
} from '../../local/emulator/index.js';
import { jsonOutput } from '../json-output.js';
import { parseCommandArgs } from '../parse-command-args.js';

const DEFAULT_PORT = 8788;
const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

const USAGE = `usage:
  livewatch emulator [options]                 serve the emulator until SIGINT/SIGTERM
  livewatch emulator fault <kind> [options]    change faults of a running emulator
  livewatch emulator stats [--json]            calls, throttled calls and callbacks per action

serve options:
  --port N                 port (default ${DEFAULT_PORT}; 0 = any free port)
  --host H                 interface (default 127.0.0.1)
  --tasks N --records N --transcodes N   seeded relay tasks / record jobs / transcode jobs (default 24/4/4)
  --seed S                 PRNG seed: same seed, same ids and scenario (default 1)
  --regions a,b            live centers for seeded tasks (default cn-shanghai,cn-beijing,ap-southeast-1)
  --callback-url URL       CallbackUrl given to about half of the seeded tasks
  --qps N                  calls per second per AccessKey per action (default 10)
  --latency-ms L|MIN-MAX   per-call latency (default 50-100; 0 allowed)
  --speed X                the platform's retries and VOD files pass X times faster (default 1; the clock stays real)
  --scenario FILE          scenario JSON (see docs/emulator.md)
  --restart-new-task-id    RestartLivePullToPush returns a new TaskId
  --dst-conflicts          two tasks pushing to one DstUrl both fail (PushStreamFailed)
  --access-key-id ID --access-key-secret SECRET   fixed key pair (default: generated)

readings (where the API pages allow several; docs/emulator.md, "Readings"):
  --user-stop invalid-reason|exit-reason|no-reason   how a StopLivePullToPush shows (default invalid-reason)
  --fault-phase before|after    a 5xx/timeout fault hits before the action, or after it applied (default before)
  --retry-lag-ms MS|MIN-MAX     the platform's retries run this late (default 0)
  --vod-end keeps-running|stops a finished VOD/url playlist keeps running or stops with no reason (default keeps-running)
  --offset-applies-to playlist-first|start-file   Offset applies to file 0 only, or to the file at FileIndex (default playlist-first)
  --ice-list-window-days N      ICE lists without StartTime/EndTime cover only N days (default 0: all)

fault kinds (all take --url, default $LIVEWATCH_EMULATOR_URL or ${DEFAULT_URL}):
  fail-source   --host H | --task ID     the source of a task / of every task pulling from H fails
  recover       [--host H | --task ID]   undo fail-source and reject-push (everything if no selector)
  reject-push   --host H | --task ID     the destination rejects pushes
  accept-push   [--host H | --task ID]
  api           --kind 5xx|timeout|throttle --rate 0..1 [--action A]   (rate 0 removes)
  latency       --ms L|MIN-MAX
  callbacks     [--drop R] [--drop-next N] [--duplicate R] [--duplicate-next N] [--delay-ms MS] [--reorder]
  clear                                  remove every fault`;

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process should stop serving (default: SIGINT or SIGTERM). */
  stopSignal?: Promise<void>;
}

const defaultIo: CommandIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

class UsageError extends Error {
  override name = 'UsageError';
}

export async function run(argv: string[], io: CommandIo = defaultIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === '--help' || first === '-h' || first === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (first === 'fault') return await runFault(rest, io);
    if (first === 'stats') return await runStats(rest, io);
    return await serve(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const sub = argv[0] === 'fault' || argv[0] === 'stats' ? ` ${argv[0]}` : '';
      io.err(`livewatch emulator${sub}: ${error.message} (see \`livewatch emulator --help\`)`);
      return 2;
    }
    throw error;
  }
}

/** The reading flags; each echoes the bad value and the allowed ones. */
function readingsOptions(values: Record<string, string | boolean | undefined>): ReadingsInput {
  const choice = <T extends string>(flag: string, allowed: readonly T[]): T | undefined => {
    const value = values[flag];
    if (value === undefined) return undefined;
    if (!(allowed as readonly unknown[]).includes(value)) {
      throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got '${String(value)}'`);
    }
    return value as T;
  };
  const lag = values['retry-lag-ms'];
  let retryLagMs: ReadingsInput['retryLagMs'];
  try {
    retryLagMs = typeof lag === 'string' ? parseRetryLag(lag) : undefined;
  } catch (error) {
    throw new UsageError(`--retry-lag-ms: ${describeError(error)}`);
  }
  const windowDays = values['ice-list-window-days'];
  const readings: ReadingsInput = {
    userStop: choice('user-stop', READING_CHOICES.userStop),
    faultPhase: choice('fault-phase', READING_CHOICES.faultPhase),
    vodEnd: choice('vod-end', READING_CHOICES.vodEnd),
    offsetAppliesTo: choice('offset-applies-to', READING_CHOICES.offsetAppliesTo),
    retryLagMs,
    iceListWindowDays:
      typeof windowDays === 'string' ? intOption(windowDays, '--ice-list-window-days', 0) : undefined,
  };
  return Object.fromEntries(Object.entries(readings).filter(([, v]) => v !== undefined));
}

function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`${name} must be an integer ≥ ${min}`);
  return Number(value);
}

function numberOption(value: string | undefined, name: string, min: number, max = Number.POSITIVE_INFINITY) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
    throw new UsageError(`${name} must be a number in [${min}, ${max}]`);
  }
  return number;
}

function latencyOption(value: string, name: string): number | [number, number] {
  try {
    return parseLatency(value);
  } catch (error) {
    throw new UsageError(`${name}: ${describeError(error)}`);
  }
}

function regionsOption(value: string): string[] {
  const regions = value
    .split(',')
    .map((region) => region.trim())
    .filter((region) => region !== '');
  const unknown = regions.filter((region) => !(LIVE_REGIONS as readonly string[]).includes(region));
  if (regions.length === 0 || unknown.length > 0) {
    throw new UsageError(`--regions takes live centers among ${LIVE_REGIONS.join(', ')}`);
  }
  return regions;
}

async function serve(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs(
    'emulator',
    USAGE,
    argv,
    {
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        tasks: { type: 'string' },
        records: { type: 'string' },
        transcodes: { type: 'string' },
        seed: { type: 'string' },
        regions: { type: 'string' },
        'callback-url': { type: 'string' },
        qps: { type: 'string' },
        'latency-ms': { type: 'string' },
        speed: { type: 'string' },
        scenario: { type: 'string' },
        'restart-new-task-id': { type: 'boolean' },
        'dst-conflicts': { type: 'boolean' },
        'access-key-id': { type: 'string' },
        'access-key-secret': { type: 'string' },
        'user-stop': { type: 'string' },
        'fault-phase': { type: 'string' },
        'retry-lag-ms': { type: 'string' },
        'vod-end': { type: 'string' },
        'offset-applies-to': { type: 'string' },
        'ice-list-window-days': { type: 'string' },
      },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`unknown subcommand '${positionals[0]}'`);
  const readings = readingsOptions(values);
  if (Boolean(values['access-key-id']) !== Boolean(values['access-key-secret'])) {
    throw new UsageError('--access-key-id and --access-key-secret go together');
  }
  const scenario = values.scenario === undefined ? undefined : await loadScenarioFile(values.scenario);
  const options: EmulatorOptions = {
    port: intOption(values.port, '--port', 0) ?? DEFAULT_PORT,
    host: values.host ?? '127.0.0.1',
    // The scenario's counts win over the defaults; flags add to them.
    tasks: intOption(values.tasks, '--tasks', 0) ?? (scenario?.tasks === undefined ? 24 : 0),
    records: intOption(values.records, '--records', 0) ?? (scenario?.records === undefined ? 4 : 0),
    transcodes:
      intOption(values.transcodes, '--transcodes', 0) ?? (scenario?.transcodes === undefined ? 4 : 0),
    seed: intOption(values.seed, '--seed', 0) ?? scenario?.seed ?? 1,
    qps: intOption(values.qps, '--qps', 1) ?? 10,
    latencyMs:
      values['latency-ms'] === undefined ? [50, 100] : latencyOption(values['latency-ms'], '--latency-ms'),
    speed: numberOption(values.speed, '--speed', 0.001, 100_000) ?? 1,
    restartNewTaskId: values['restart-new-task-id'] ?? false,
    dstConflicts: values['dst-conflicts'] ?? false,
    log: createLogger({ level: 'warn' }),
    readings,
    ...(scenario === undefined ? {} : { scenario }),
    ...(values.regions === undefined ? {} : { regions: regionsOption(values.regions) }),
    ...(values['callback-url'] === undefined ? {} : { callbackUrl: values['callback-url'] }),
    ...(values['access-key-id'] && values['access-key-secret']
      ? { accessKeys: [{ id: values['access-key-id'], secret: values['access-key-secret'] }] }
      : {}),
  };
  const emulator = await startEmulator(options);
  io.out(`livewatch emulator listening on ${emulator.url}`);
  // Emulator-only test keys: printing them is the point (copy them into the client's settings).
  io.out(`ALIBABA_CLOUD_ACCESS_KEY_ID=${emulator.accessKey.id}`);
  io.out(`ALIBABA_CLOUD_ACCESS_KEY_SECRET=${emulator.accessKey.secret}`);
  io.out(
    `# also: LIVEWATCH_LIVE_ENDPOINT=${emulator.endpoint} LIVEWATCH_ICE_ENDPOINT=${emulator.endpoint} LIVEWATCH_API_PROTOCOL=http`,
  );
  io.out(
    `# ${emulator.tasks().length} relay tasks, control API at ${emulator.url}/_emulator/stats; Ctrl-C stops`,
  );
  await (io.stopSignal ?? waitForSignal());
  await emulator.close();
  return 0;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function control(baseUrl: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}/_emulator/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new LivewatchError(`cannot reach the emulator at ${baseUrl}: is it running? (--url)`, {
      cause: error,
      context: { url: baseUrl },
    });
  }
  const json = (await response.json()) as unknown;
  if (!response.ok) {
    const message = (json as { error?: unknown }).error;
    // 400: the request named something the emulator does not have (a usage mistake, exit 2).
    if (response.status === 400) throw new UsageError(`the emulator refused: ${String(message)}`);
    throw new LivewatchError(`the emulator refused: ${String(message ?? response.status)}`, {
      context: { url: baseUrl, status: response.status },
    });
  }
  return json;
}

const baseUrlOf = (url: string | undefined): string =>
  url ?? process.env.LIVEWATCH_EMULATOR_URL ?? DEFAULT_URL;

async function runFault(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs(
    'emulator fault',
    USAGE,
    argv,
    {
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        host: { type: 'string' },
        task: { type: 'string' },
        kind: { type: 'string' },
        rate: { type: 'string' },
        action: { type: 'string' },
        ms: { type: 'string' },
        drop: { type: 'string' },
        'drop-next': { type: 'string' },
        duplicate: { type: 'string' },
        'duplicate-next': { type: 'string' },
        'delay-ms': { type: 'string' },
        reorder: { type: 'boolean' },
      },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [kind, ...extra] = positionals;
  if (kind === undefined)
    throw new UsageError('which fault? (fail-source, recover, reject-push, api, latency, …)');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const url = baseUrlOf(values.url);
  const selector = {
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.task === undefined ? {} : { taskId: values.task }),
  };
  const needSelector = (): void => {
    if (values.host === undefined && values.task === undefined)
      throw new UsageError(`${kind} needs --host or --task`);
  };
  let result: unknown;
  switch (kind) {
    case 'fail-source':
    case 'reject-push':
      needSelector();
      result = await control(url, `fault/${kind}`, selector);
      break;
    case 'recover':
    case 'recover-source':
    case 'accept-push':
      result = await control(url, `fault/${kind}`, selector);
      break;
    case 'api': {
      if (values.kind !== '5xx' && values.kind !== 'timeout' && values.kind !== 'throttle') {
        throw new UsageError('api needs --kind 5xx|timeout|throttle');
      }
      const rate = numberOption(values.rate, '--rate', 0, 1);
      if (rate === undefined) throw new UsageError('api needs --rate 0..1');
      result = await control(url, 'fault/api', {
        kind: values.kind,
        rate,
        ...(values.action === undefined ? {} : { action: values.action }),
      });
      break;
    }
    case 'latency':
      if (values.ms === undefined) throw new UsageError('latency needs --ms L or MIN-MAX');
      result = await control(url, 'fault/latency', { ms: latencyOption(values.ms, '--ms') });
      break;
    case 'callbacks': {
      const body = {
        ...optional('drop', numberOption(values.drop, '--drop', 0, 1)),
        ...optional('dropNext', intOption(values['drop-next'], '--drop-next', 0)),
        ...optional('duplicate', numberOption(values.duplicate, '--duplicate', 0, 1)),
        ...optional('duplicateNext', intOption(values['duplicate-next'], '--duplicate-next', 0)),
        ...optional('delayMs', intOption(values['delay-ms'], '--delay-ms', 0)),
        ...optional('reorder', values.reorder),
      };
      result = await control(url, 'fault/callbacks', body);
      break;
    }
    case 'clear':
      result = await control(url, 'fault/clear', {});
      break;
    default:
      throw new UsageError(`unknown fault '${kind}'`);
  }
  io.out(jsonOutput(result));
  return 0;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

async function runStats(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs(
    'emulator stats',
    USAGE,
    argv,
    {
      options: { url: { type: 'string' }, json: { type: 'boolean' } },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const stats = (await control(baseUrlOf(values.url), 'stats')) as EmulatorStats;
  if (values.json) {
    io.out(jsonOutput(stats));
    return 0;
  }
  for (const line of formatStats(stats)) io.out(line);
  return 0;
}

/** A small aligned table: one row per action, then totals, callbacks and tasks by status. */
export function formatStats(stats: EmulatorStats): string[] {
  const rows: string[][] = [['action', 'calls', 'ok', 'errors', 'throttled', 'faulted']];
  const entries = Object.entries(stats.actions).sort(([a], [b]) => a.localeCompare(b));
  for (const [action, s] of [...entries, ['total', stats.totals] as const]) {
    rows.push([action, s.calls, s.ok, s.errors, s.throttled, s.faulted].map(String));
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  '),
  );
  const c = stats.callbacks;
  lines.push(
    '',
    `callbacks: ${c.events} events, ${c.attempts} attempts, ${c.delivered} delivered, ${c.failed} failed, ${c.dropped} dropped, ${c.duplicated} duplicated, ${c.pending} pending`,
    `tasks: ${stats.tasks.total} (${Object.entries(stats.tasks.byStatus)
      .map(([status, count]) => `status ${status}: ${count}`)
      .join(', ')}); record jobs: ${stats.recordJobs}; transcode jobs: ${stats.transcodeJobs}`,
  );
  return lines;
}
