import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import { ConfigError } from '../../lib/errors.js';
import { thrownBy } from '../support/thrown-by.js';

/** Every settings error names the variable, states the rule and echoes the bad value, secrets masked. */
function messageFor(env: Record<string, string>): string {
  return thrownBy(ConfigError, () => loadConfig(env)).message;
}

describe('settings errors', () => {
  it.each([
    [
      { LIVEWATCH_SWEEP_BUDGET_MS: 'fast' },
      'LIVEWATCH_SWEEP_BUDGET_MS: must be a whole number ≥ 1000, got "fast"',
    ],
    [
      { LIVEWATCH_SWEEP_BUDGET_MS: '10' },
      'LIVEWATCH_SWEEP_BUDGET_MS: must be a whole number ≥ 1000, got "10"',
    ],
    [{ LIVEWATCH_API_QPS: '2.5' }, 'LIVEWATCH_API_QPS: must be a whole number from 1 to 1000, got "2.5"'],
    [{ LIVEWATCH_API_QPS: '5000' }, 'LIVEWATCH_API_QPS: must be a whole number from 1 to 1000, got "5000"'],
    [
      { LIVEWATCH_LOG_LEVEL: 'loud' },
      'LIVEWATCH_LOG_LEVEL: must be one of debug, info, warn, error, got "loud"',
    ],
    [
      { LIVEWATCH_DRY_RUN: 'maybe' },
      'LIVEWATCH_DRY_RUN: must be one of true, 1, yes, on, y, enabled, false, 0, no, off, n, disabled, got "maybe"',
    ],
    [{ LIVEWATCH_ICE_REGIONS: 'cn-shanghai,cn-mars' }, 'LIVEWATCH_ICE_REGIONS: item 2: must be one of'],
    [
      { LIVEWATCH_CALLBACK_BASE_URL: 'fcapp.run' },
      'LIVEWATCH_CALLBACK_BASE_URL: must be a URL (https://…), got "fcapp.run"',
    ],
    [
      { LIVEWATCH_LIVE_ENDPOINT: 'https://live.aliyuncs.com' },
      'LIVEWATCH_LIVE_ENDPOINT: must be a bare host or host:port, without a scheme (e.g. 127.0.0.1:8080), got "https://live.aliyuncs.com"',
    ],
  ])('%j → %s', (env, expected) => {
    expect(messageFor(env)).toContain(expected);
  });

  it('never echoes a secret, only its length', () => {
    const message = messageFor({ LIVEWATCH_CALLBACK_TOKENS: 'tiny-secret!' });
    expect(message).toContain(
      'LIVEWATCH_CALLBACK_TOKENS: item 1: each token: 16–128 of [A-Za-z0-9_-], got a value of 12 characters (masked)',
    );
    expect(message).not.toContain('tiny-secret');
  });

  it('masks the secret parts of a URL it echoes (webhook token, store password)', () => {
    const webhook = messageFor({
      LIVEWATCH_DINGTALK_WEBHOOK: 'https//oapi.dingtalk.com/robot/send?access_token=abcdef123456',
    });
    expect(webhook).toContain(
      'LIVEWATCH_DINGTALK_WEBHOOK: must be a URL (https://…), got "https//oapi.dingtalk.com/robot/send?access_token=***"',
    );
    expect(webhook).not.toContain('abcdef123456');
    const store = messageFor({ LIVEWATCH_STORE_URL: 'redis://admin:hunter2hunter2@/db' });
    expect(store).toContain('got "redis://admin:***@/db"');
    expect(store).not.toContain('hunter2');
  });
});
