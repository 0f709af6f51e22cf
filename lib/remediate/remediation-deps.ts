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
}
