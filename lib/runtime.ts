import type { AliyunClient } from './aliyun/api.js';
import { createAliyunClient } from './aliyun/create-aliyun-client.js';
import { createStoreRateLimiter } from './aliyun/create-store-rate-limiter.js';
import { requireCredentials } from './aliyun/credentials-from-config.js';
import { rateLimitOf } from './aliyun/rate-limiter.js';
import { type Clock, systemClock } from './clock.js';
import { type Config, loadConfig } from './config/config.js';
import { createFcInvoker } from './fc/create-fc-invoker.js';
import { createLogger, type Logger } from './log.js';
import { createNotifier } from './notify/create-notifier.js';
import type { Notifier } from './notify/notice.js';
import type { Credentials } from './ports/credentials.js';
import type { Invoker } from './ports/invoker.js';
import { createStore } from './store/create-store.js';
import type { Store } from './store/store.js';

/**
 * Everything a function needs, built once per instance (cold start) and reused across
 * invocations. Only credentials are per invocation: in FC they come from the context's STS token.
 */
export interface Runtime {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly notifier: Notifier;
  readonly invoker: Invoker;
  /** An API client for this invocation's credentials (the settings' AccessKey when undefined). */
  client(credentials?: Credentials, accountId?: string): AliyunClient;
  /** Records the current invocation's context (fresh STS keys for the invoker and clients). */
  enter(context: InvocationContext): void;
  close(): Promise<void>;
}

/** What the FC glue knows about the current invocation (plain data: lib/ knows no FC types). */
export interface InvocationContext {
  readonly accountId?: string;
  readonly region?: string;
  readonly credentials?: Credentials | undefined;
}

export interface CreateRuntimeOptions {
  readonly config: Config;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** An already open store (tests, the local host); otherwise LIVEWATCH_STORE_URL is opened. */
  readonly store?: Store;
  /** The local FC host passes its in-process invoker; in FC the FC API invoker is built. */
  readonly invoker?: Invoker;
  readonly notifier?: Notifier;
  /** The first invocation's context, for the FC invoker's account and region. */
  readonly context?: InvocationContext;
}

/**
 * Wires the store, the rate-limited API client, the notifier and the invoker.
 * The API rate limit is shared by every instance through the store (`Store.acquireRate`):
 * the callback, poller and alert functions run as separate instances.
 */
export async function createRuntime(options: CreateRuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log =
    options.log ?? createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  const store =
    options.store ??
    (await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX, log }));
  const limiter = createStoreRateLimiter({ ...rateLimitOf(config), store, clock });
  const notifier = options.notifier ?? createNotifier({ config, store, clock, log });
  let latest = options.context;
  const invoker =
    options.invoker ??
    createFcInvoker({
      accountId: latest?.accountId ?? config.LIVEWATCH_ACCOUNT_ID ?? '',
      region: latest?.region ?? config.LIVEWATCH_LIVE_REGIONS[0] ?? 'cn-shanghai',
      // FC hands fresh STS keys to every invocation; always sign with the latest.
      credentials: () => latest?.credentials,
      endpoint: config.LIVEWATCH_FC_ENDPOINT,
      signature: config.LIVEWATCH_FC_SIGNATURE,
      timeoutMs: 3_000,
      log,
    });
  return {
    config,
    store,
    clock,
    log,
    notifier,
    invoker,
    client(credentials, accountId) {
      if (credentials) latest = { ...latest, credentials };
      const keys = credentials ?? requireCredentials(config);
      const account = accountId ?? latest?.accountId ?? config.LIVEWATCH_ACCOUNT_ID;
      return createAliyunClient({
        config,
        credentials: keys,
        ...(account ? { accountId: account } : {}),
        limiter,
        clock,
        log,
      });
    },
    enter(context) {
      latest = { ...latest, ...definedOnly(context) };
    },
    close: () => store.close(),
  };
}

function definedOnly(context: InvocationContext): InvocationContext {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
}

let installed: Runtime | undefined;
let building: Promise<Runtime> | undefined;

/**
 * The instance's runtime: the installed one (the local FC host installs its own), or one built from
 * the environment on first use and kept for the instance's life (FC reuses warm instances).
 */
export async function getRuntime(context: InvocationContext = {}): Promise<Runtime> {
  if (installed) return installed;
  building ??= createRuntime({ config: loadConfig(), context }).catch((error: unknown) => {
    // A failed cold start (bad settings, store down) must not be cached: the next invocation retries.
    building = undefined;
    throw error;
  });
  const runtime = await building;
  runtime.enter(context);
  return runtime;
}

/** Installs the runtime the functions use in this process (the local FC host, tests); undefined clears it. */
export function installRuntime(runtime: Runtime | undefined): void {
  installed = runtime;
  building = undefined;
}
