import type { AliyunClient, Credentials } from './aliyun/api.js';
import type { Clock } from './clock.js';
import type { Config } from './config/config.js';
import type { Invoker } from './fc/invoker.js';
import type { Logger } from './log.js';
import type { Notifier } from './notify/notice.js';
import type { Store } from './store/store.js';

/**
 * Everything a function needs, built once per instance (cold start) and reused across
 * invocations. Only credentials are per invocation: in FC they come from the context's STS token.
 * The implementation (`createRuntime`) lands with the integration of the store, client and notifier.
 */
export interface Runtime {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly notifier: Notifier;
  readonly invoker: Invoker;
  /** An API client for this invocation's credentials (settings when undefined). */
  client(credentials?: Credentials, accountId?: string): AliyunClient;
}
