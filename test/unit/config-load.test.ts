import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import { ConfigError } from '../../lib/errors.js';
import { thrownBy } from '../support/thrown-by.js';

function configError(env: Record<string, string>): ConfigError {
  return thrownBy(ConfigError, () => loadConfig(env));
}

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.LIVEWATCH_STORE_URL).toBe('sqlite:./.livewatch/state.db');
    expect(config.LIVEWATCH_LIVE_REGIONS).toEqual(['cn-shanghai']);
    expect(config.LIVEWATCH_API_QPS).toBe(10);
    expect(config.LIVEWATCH_RESTART_BUDGET).toBe(5);
    expect(config.LIVEWATCH_DRY_RUN).toBe(false);
    expect(config.LIVEWATCH_CALLBACK_TOKENS).toEqual([]);
  });

  it('parses lists, booleans and numbers from strings', () => {
    const config = loadConfig({
      LIVEWATCH_LIVE_REGIONS: 'cn-beijing, cn-shanghai',
      LIVEWATCH_DRY_RUN: 'true',
      LIVEWATCH_API_QPS: '8',
      LIVEWATCH_CALLBACK_TOKENS: 'aaaaaaaaaaaaaaaa1,bbbbbbbbbbbbbbbb2',
    });
    expect(config.LIVEWATCH_LIVE_REGIONS).toEqual(['cn-beijing', 'cn-shanghai']);
    expect(config.LIVEWATCH_DRY_RUN).toBe(true);
    expect(config.LIVEWATCH_API_QPS).toBe(8);
    expect(config.LIVEWATCH_CALLBACK_TOKENS).toHaveLength(2);
  });

  it('names every variable at fault and what is wrong with it', () => {
    const error = configError({
      LIVEWATCH_STORE_URL: 'mysql://x',
      LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,mars-1',
      LIVEWATCH_API_QPS: 'ten',
      LIVEWATCH_DRY_RUN: 'maybe',
    });
    const variables = error.issues.map((issue) => issue.variable).sort();
    expect(variables).toEqual([
      'LIVEWATCH_API_QPS',
      'LIVEWATCH_DRY_RUN',
      'LIVEWATCH_LIVE_REGIONS',
      'LIVEWATCH_STORE_URL',
    ]);
    expect(error.message).toContain('LIVEWATCH_STORE_URL: must be sqlite:<path> or redis://');
    // Items count from 1, as a person counts them: mars-1 is the second.
    expect(error.message).toMatch(/LIVEWATCH_LIVE_REGIONS: item 2: must be one of .*, got "mars-1"/);
  });

  it.each(['redis:///0', 'redis://host/abc', 'sqlite:'])(
    'refuses LIVEWATCH_STORE_URL=%s at config, by the rule createStore uses (it would fail there instead)',
    (url) => {
      const error = configError({ LIVEWATCH_STORE_URL: url });
      expect(error.issues.map((issue) => issue.variable)).toEqual(['LIVEWATCH_STORE_URL']);
      expect(error.message).toContain('must be sqlite:<path> or redis://');
    },
  );

  it('rejects short callback tokens without echoing them', () => {
    const error = configError({ LIVEWATCH_CALLBACK_TOKENS: 'short-secret' });
    expect(error.issues[0]?.variable).toBe('LIVEWATCH_CALLBACK_TOKENS');
    expect(error.message).not.toContain('short-secret');
  });

  it('requires the AccessKey id and secret together', () => {
    const error = configError({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample' });
    expect(error.issues).toEqual([expect.objectContaining({ variable: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' })]);
  });

  it('rejects an invalid opt-out pattern and an inverted backoff', () => {
    const pattern = configError({ LIVEWATCH_OPT_OUT_NAME_PATTERN: '([' });
    expect(pattern.issues[0]?.variable).toBe('LIVEWATCH_OPT_OUT_NAME_PATTERN');
    const backoff = configError({
      LIVEWATCH_RESTART_BACKOFF_BASE_S: '60',
      LIVEWATCH_RESTART_BACKOFF_MAX_S: '30',
    });
    expect(backoff.issues[0]?.variable).toBe('LIVEWATCH_RESTART_BACKOFF_MAX_S');
  });

  it('rejects an endpoint override that carries a scheme', () => {
    const error = configError({ LIVEWATCH_LIVE_ENDPOINT: 'http://127.0.0.1:8080' });
    expect(error.message).toContain('without a scheme');
  });

  it('defaults the time zone from the language and validates both', () => {
    expect(loadConfig({}).LIVEWATCH_LANGUAGE).toBe('en');
    expect(loadConfig({}).LIVEWATCH_TIME_ZONE).toBe('UTC');
    expect(loadConfig({ LIVEWATCH_LANGUAGE: 'zh-CN' }).LIVEWATCH_TIME_ZONE).toBe('Asia/Shanghai');
    const chosen = loadConfig({ LIVEWATCH_LANGUAGE: 'zh-CN', LIVEWATCH_TIME_ZONE: 'Europe/Berlin' });
    expect(chosen.LIVEWATCH_TIME_ZONE).toBe('Europe/Berlin');
    expect(configError({ LIVEWATCH_LANGUAGE: 'fr' }).issues[0]?.variable).toBe('LIVEWATCH_LANGUAGE');
    const zone = configError({ LIVEWATCH_TIME_ZONE: 'Mars/Olympus' });
    expect(zone.issues[0]?.variable).toBe('LIVEWATCH_TIME_ZONE');
    expect(zone.message).toContain('"Mars/Olympus" is not an IANA time zone');
  });

  it('takes a status page URL ending in /status', () => {
    const config = loadConfig({ LIVEWATCH_STATUS_URL: 'https://ops.example.com/livewatch/status/' });
    expect(config.LIVEWATCH_STATUS_URL).toBe('https://ops.example.com/livewatch/status');
    expect(loadConfig({}).LIVEWATCH_STATUS_URL).toBeUndefined();
    const wrong = configError({ LIVEWATCH_STATUS_URL: 'https://ops.example.com/dashboard' });
    expect(wrong.issues[0]?.variable).toBe('LIVEWATCH_STATUS_URL');
    expect(wrong.message).toContain('must end in /status');
    expect(configError({ LIVEWATCH_STATUS_URL: 'ftp://x/status' }).issues[0]?.variable).toBe(
      'LIVEWATCH_STATUS_URL',
    );
  });
});
