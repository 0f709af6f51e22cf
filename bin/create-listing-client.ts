import type { AliyunClient } from '../lib/aliyun/api.js';
import { createAliyunClient } from '../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../lib/aliyun/create-memory-rate-limiter.js';
import { requireCredentials } from '../lib/aliyun/credentials-from-config.js';
import { rateLimitOf } from '../lib/aliyun/rate-limiter.js';
import { systemClock } from '../lib/clock.js';
import type { Config } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';

/**
 * The client of the read-only listing commands (`tasks`, `jobs`): the settings' AccessKey (an
 * error when it is missing), the account id when set, and the in-process rate limiter.
 */
export function createListingClient(config: Config): AliyunClient {
  const credentials = requireCredentials(config);
  const clock = systemClock;
  return createAliyunClient({
    config,
    credentials,
    ...(config.LIVEWATCH_ACCOUNT_ID ? { accountId: config.LIVEWATCH_ACCOUNT_ID } : {}),
    // One process makes every call here: the in-process limiter is exact.
    limiter: createMemoryRateLimiter({ ...rateLimitOf(config), clock }),
    clock,
    log: createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT }),
  });
}
