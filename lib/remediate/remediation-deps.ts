import type { AliyunClient } from '../aliyun/api.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/notice.js';
import type { Store } from '../store/store.js';

/** What the alert function's core needs; tests pass real parts with a ManualClock. */
export interface RemediationDeps {
  readonly config: Config;
  readonly store: Store;
  readonly client: AliyunClient;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * TEST ONLY: called at the named points of a restart, so a test can kill the process exactly
   * there (test/support/remediate-child.ts). Production code never sets it.
   */
  readonly testCrashPoint?: ((point: CrashPoint) => void | Promise<void>) | undefined;
}

/** Where a test may kill a restart: after the Restart call answered, before its outcome is written. */
export type CrashPoint = 'after-restart-call';
