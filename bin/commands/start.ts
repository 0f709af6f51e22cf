/**
 * `livewatch start` (`npm start`): the whole system on one machine. The three real function
 * handlers run in the local FC host (HTTP trigger, timers, in-process async invocation) over the
 * embedded SQLite store. Unless the environment points at a real account, the built-in emulator
 * plays the Live and ICE APIs and local chat sinks stand in for DingTalk and Slack, printing each
 * notification on the console.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { type Config, loadConfig } from '../../lib/config/config.js';
import { ValidationError } from '../../lib/errors.js';
import { redact } from '../../lib/redact.js';
import { createRuntime, installRuntime } from '../../lib/runtime.js';
import { createStore, parseStoreUrl } from '../../lib/store/create-store.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { startInvokerEndpoint } from '../../local/host/start-invoker-endpoint.js';
import { startLocalHost } from '../../local/host/start-local-host.js';
import { type ChatSinks, renderSinkMessage, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { narrateEntry, narrateHistory } from '../narrate-history.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';
import {
  findProjectRoot,
  removeSessionFile,
  resolveDefaultStore,
  sessionPath,
  writeSessionFile,
} from '../session-file.js';
import { openStartConsole } from '../start-console.js';

const HELP = `usage: livewatch start [options]

Runs the callback, poller and alert functions in a local FC host on http://127.0.0.1:<port>.
Without ALIBABA_CLOUD_ACCESS_KEY_ID / LIVEWATCH_LIVE_ENDPOINT in the environment it also starts
the Live/ICE emulator, and without a chat webhook it starts local chat sinks that print messages.

options:
  --port N            local FC host port (default LIVEWATCH_PORT, 8787)
  --emulator-port N   emulator port (default 8788, what \`livewatch emulator fault …\` talks to)
  --tasks N           relay tasks to seed in the emulator (default 24)
  --seed S            emulator seed (default 1)
  --speed X           emulator speed factor (default 10): the platform's retries and VOD files
                      pass X times faster; the clock stays real, so the store never holds
                      times in the future
  --fresh             start from an empty store: delete the SQLite store first (the demo reset)
  --no-emulator       never start the emulator (use the endpoints and keys from the environment)
  --log-stderr        the log on stderr (LIVEWATCH_LOG_FORMAT, json or pretty) instead of
                      .livewatch/livewatch.log; the console narrative stays on stdout
  -h, --help          this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('start', HELP, argv, {
    options: {
      port: { type: 'string' },
      'emulator-port': { type: 'string', default: '8788' },
      tasks: { type: 'string', default: '24' },
      seed: { type: 'string', default: '1' },
      speed: { type: 'string', default: '10' },
      'no-emulator': { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      'log-stderr': { type: 'boolean', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  let numbers: ReturnType<typeof numericFlags>;
  try {
    numbers = numericFlags(values);
  } catch (error) {
    // A mistyped flag is a usage error (exit 2) before anything starts.
    if (error instanceof RangeError) return printUsageError('start', HELP, error.message);
    throw error;
  }
  const env: Record<string, string | undefined> = { ...process.env };
  const root = findProjectRoot();
  // Said in the banner's `try:` lines only when it is not the default a second terminal finds itself.
  const storeGiven = env.LIVEWATCH_STORE_URL !== undefined;
  resolveDefaultStore(env, root);
  const closers: Array<() => Promise<void>> = [];
  const say = (line: string): void => console.log(redact(line));

  let emulator: Emulator | undefined;
  const useEmulator =
    !values['no-emulator'] && !env.ALIBABA_CLOUD_ACCESS_KEY_ID && !env.LIVEWATCH_LIVE_ENDPOINT;
  if (useEmulator) {
    emulator = await startEmulator({
      port: numbers.emulatorPort,
      tasks: numbers.tasks,
      seed: numbers.seed,
      speed: numbers.speed,
      records: 4,
      transcodes: 4,
    });
    closers.push(() => emulator?.close() ?? Promise.resolve());
    Object.assign(env, {
      LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_API_PROTOCOL: 'http',
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
      LIVEWATCH_LIVE_REGIONS: env.LIVEWATCH_LIVE_REGIONS ?? 'cn-shanghai,cn-beijing,ap-southeast-1',
    });
  }

  let sinks: ChatSinks | undefined;
  const channelSet = ['DINGTALK', 'SLACK', 'FEISHU', 'WECOM'].some(
    (name) => env[`LIVEWATCH_${name}_WEBHOOK`],
  );
  if (!channelSet && !env.LIVEWATCH_WEBHOOK_URL) {
    const dingtalkSecret = `SEC${randomBytes(16).toString('hex')}`;
    sinks = await startChatSinks({
      dingtalkSecret,
      onMessage: (message) => {
        for (const line of renderSinkMessage(message)) say(`  ${line}`);
      },
    });
    closers.push(() => sinks?.close() ?? Promise.resolve());
    Object.assign(env, {
      LIVEWATCH_DINGTALK_WEBHOOK: sinks.urls.dingtalk,
      LIVEWATCH_DINGTALK_SECRET: dingtalkSecret,
      LIVEWATCH_SLACK_WEBHOOK: sinks.urls.slack,
    });
  }

  // Demo-friendly timing unless set: sweep every 10 s, tick every 5 s, first messages after 5 s,
  // group updates (and resolved messages) every 30 s, a tripped breaker probes after 30 s.
  env.LIVEWATCH_POLL_INTERVAL_S ??= '10';
  env.LIVEWATCH_TICK_INTERVAL_S ??= '5';
  env.LIVEWATCH_GROUP_WAIT_S ??= '5';
  env.LIVEWATCH_GROUP_INTERVAL_S ??= '30';
  env.LIVEWATCH_BREAKER_COOLDOWN_S ??= '30';
  env.LIVEWATCH_CALLBACK_TOKENS ??= randomBytes(18).toString('base64url');
  // The status page and /metrics need tokens of their own; the banner prints them for this run.
  env.LIVEWATCH_STATUS_TOKENS ??= randomBytes(18).toString('base64url');
  env.LIVEWATCH_METRICS_TOKENS ??= randomBytes(18).toString('base64url');

  // Validate everything before binding the port, so bad settings fail with their own message.
  const preliminary = loadConfig(env);
  if (values.fresh) await removeSqliteStore(preliminary.LIVEWATCH_STORE_URL);
  const console_ = openStartConsole({ root, config: preliminary, toStderr: values['log-stderr'] });
  closers.push(() => console_.close());
  const { log } = console_;
  const [callback, poller, alert] = await Promise.all([
    import('../../functions/callback/index.js'),
    import('../../functions/poller/index.js'),
    import('../../functions/alert/index.js'),
  ]);
  const host = await startLocalHost({
    port: numbers.port ?? preliminary.LIVEWATCH_PORT,
    handlers: { callback: callback.handler, poller: poller.handler, alert: alert.handler },
    pollIntervalMs: preliminary.LIVEWATCH_POLL_INTERVAL_S * 1000,
    tickIntervalMs: preliminary.LIVEWATCH_TICK_INTERVAL_S * 1000,
    runtime: { config: preliminary },
    log,
  });
  closers.unshift(() => host.close());
  // Another terminal's `livewatch sweep --invoke` reaches the alert function through this.
  const invokerToken = randomBytes(24).toString('base64url');
  const invokerEndpoint = await startInvokerEndpoint({ invoker: host.invoker, token: invokerToken, log });
  closers.unshift(() => invokerEndpoint.close());
  env.LIVEWATCH_CALLBACK_BASE_URL ??= host.url;
  // Chat messages link each task to its page on this local host.
  env.LIVEWATCH_STATUS_URL ??= `${host.url}/status`;
  const config = loadConfig(env);
  // Every task-history entry the functions write is also a line of the console narrative.
  const store = narrateHistory(
    await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX, log }),
    (key, entry) => say(narrateEntry(key, entry, console_.colour)),
  );
  const runtime = await createRuntime({ config, invoker: host.invoker, log, store });
  closers.push(() => runtime.close());
  installRuntime(runtime);

  const session = sessionPath(root);
  writeSessionFile(session, {
    ...sessionSettings(config, emulator),
    LIVEWATCH_LOCAL_INVOKER_URL: invokerEndpoint.url,
    LIVEWATCH_LOCAL_INVOKER_TOKEN: invokerToken,
  });
  closers.push(async () => removeSessionFile(session));

  say(`livewatch running on ${host.url}`);
  say(`  log           ${console_.destination}`);
  say(`  callback URL  ${config.LIVEWATCH_CALLBACK_BASE_URL}/callback/<token>   health: ${host.url}/healthz`);
  printStatusLinks(config);
  say(`  store         ${config.LIVEWATCH_STORE_URL}${values.fresh ? ' (fresh: emptied at start)' : ''}`);
  say(
    `  sweeps every ${config.LIVEWATCH_POLL_INTERVAL_S} s, alert tick every ${config.LIVEWATCH_TICK_INTERVAL_S} s`,
  );
  if (emulator) {
    say(`  emulator      ${emulator.url} (${emulator.tasks().length} relay tasks, speed ×${values.speed})`);
    const hosts = sourceHosts(emulator);
    say(`  source hosts  ${hosts.map(([host, count]) => `${host} (${count} tasks)`).join(', ')}`);
    // The session file already points a second terminal here; the lines also work without it.
    const url = emulator.url === 'http://127.0.0.1:8788' ? '' : ` --url ${emulator.url}`;
    const storePrefix = storeGiven ? `LIVEWATCH_STORE_URL=${config.LIVEWATCH_STORE_URL} ` : '';
    say(`  try:          npx livewatch emulator fault fail-source --host ${hosts[0]?.[0] ?? '<host>'}${url}`);
    say(`                npx livewatch emulator fault recover${url}`);
    say(`                ${storePrefix}npx livewatch status`);
  }
  say(`  session       ${session} (other terminals' \`npx livewatch …\` read it)`);
  if (sinks) say('  notifications are printed below (local DingTalk and Slack sinks)');
  say('Ctrl-C stops.');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  installRuntime(undefined);
  for (const close of closers) await close();
  return 0;
}

/**
 * What `npx livewatch …` in a second terminal needs to reach this system: the store, and with the
 * emulator its endpoint and throwaway key pair. A real account's keys are never written.
 */
function sessionSettings(config: Config, emulator: Emulator | undefined): Record<string, string> {
  const settings: Record<string, string> = {
    LIVEWATCH_STORE_URL: config.LIVEWATCH_STORE_URL,
    LIVEWATCH_LIVE_REGIONS: config.LIVEWATCH_LIVE_REGIONS.join(','),
    LIVEWATCH_ICE_REGIONS: config.LIVEWATCH_ICE_REGIONS.join(','),
    // `livewatch status --url <status page>` and `history --url` find the read token here.
    LIVEWATCH_STATUS_TOKENS: config.LIVEWATCH_STATUS_TOKENS.join(','),
    ...(config.LIVEWATCH_STATUS_URL ? { LIVEWATCH_STATUS_URL: config.LIVEWATCH_STATUS_URL } : {}),
  };
  if (emulator === undefined) return settings;
  return {
    ...settings,
    LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    LIVEWATCH_EMULATOR_URL: emulator.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
  };
}

/**
 * The status page link with its token, and the metrics scrape line. Printed unredacted on purpose:
 * this is the operator's own terminal and the token is what opens the page (the first token of each
 * list; the link trades it for a cookie and drops it from the address bar, docs/status-page.md).
 */
function printStatusLinks(config: Config): void {
  const page = config.LIVEWATCH_STATUS_URL ?? '';
  const [statusToken] = config.LIVEWATCH_STATUS_TOKENS;
  const [metricsToken] = config.LIVEWATCH_METRICS_TOKENS;
  if (statusToken) console.log(`  status page   ${page}?token=${statusToken}`);
  if (metricsToken) {
    const metrics = `${page.replace(/\/status$/, '')}/metrics`;
    console.log(`  metrics       curl -H 'Authorization: Bearer ${metricsToken}' ${metrics}`);
  }
}

/**
 * `--fresh`: deletes the SQLite store and its WAL files, so the demo starts from nothing. Refused for
 * Redis: a shared store is never wiped by a demo flag.
 */
async function removeSqliteStore(storeUrl: string): Promise<void> {
  const location = parseStoreUrl(storeUrl);
  if (location.kind !== 'sqlite') {
    throw new ValidationError('livewatch start --fresh', [
      {
        path: 'LIVEWATCH_STORE_URL',
        message: `--fresh only empties a sqlite: store, not ${redact(storeUrl)}`,
      },
    ]);
  }
  if (location.path === ':memory:') return;
  for (const suffix of ['', '-wal', '-shm']) await rm(`${location.path}${suffix}`, { force: true });
}

/** Source hosts of the emulator's relay tasks, most used first: what `fault fail-source --host` takes. */
function sourceHosts(emulator: Emulator): Array<[host: string, tasks: number]> {
  const tasksByHost = new Map<string, Set<string>>();
  for (const task of emulator.tasks()) {
    for (const url of task.sourceUrls) {
      // vod sources are media ids, not URLs; url playlists may list one host several times.
      if (!URL.canParse(url)) continue;
      const host = new URL(url).hostname;
      tasksByHost.set(host, (tasksByHost.get(host) ?? new Set()).add(task.taskId));
    }
  }
  return [...tasksByHost]
    .map(([host, ids]): [string, number] => [host, ids.size])
    .sort((a, b) => b[1] - a[1]);
}

function numericFlags(values: {
  port?: string | undefined;
  'emulator-port'?: string | undefined;
  tasks?: string | undefined;
  seed?: string | undefined;
  speed?: string | undefined;
}) {
  return {
    port: values.port === undefined ? undefined : positiveInt(values.port, '--port', true),
    emulatorPort: positiveInt(values['emulator-port'], '--emulator-port', true),
    tasks: positiveInt(values.tasks, '--tasks'),
    seed: positiveInt(values.seed, '--seed'),
    speed: positiveNumber(values.speed, '--speed'),
  };
}

function positiveInt(value: string | undefined, flag: string, allowZero = false): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < (allowZero ? 0 : 1)) {
    throw new RangeError(
      `${flag} must be a whole number${allowZero ? '' : ' above 0'}, got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

function positiveNumber(value: string | undefined, flag: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new RangeError(`${flag} must be a number above 0, got ${JSON.stringify(value)}`);
  return parsed;
}
