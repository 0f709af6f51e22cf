import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { cleanEnv, expectFailure, runCli } from '../support/cli-process.js';

/** Mistakes a newcomer makes, as the spawned CLI answers them: one line that says what fixes it. */
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 0, tasks: 2 });
});

afterAll(async () => {
  await emulator.close();
});

describe('CLI errors that help', () => {
  it('https against the emulator (LIVEWATCH_API_PROTOCOL forgotten): names the fix, not OpenSSL', async () => {
    const result = await runCli(['tasks'], {
      env: cleanEnv({
        LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
      }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `livewatch tasks: DescribeLivePullToPushList failed: https://${emulator.endpoint} answered plain HTTP to a TLS handshake: is this the emulator? set LIVEWATCH_API_PROTOCOL=http\n`,
    );
  });

  it('a bad setting: the variable, the rule and the value, with the secret masked', async () => {
    const result = await runCli(['sweep'], {
      env: cleanEnv({
        LIVEWATCH_SWEEP_BUDGET_MS: 'fast',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret-that-stays-hidden',
        LIVEWATCH_CALLBACK_TOKENS: 'tiny-secret',
      }),
    });
    expectFailure(result, 1, 'livewatch sweep: invalid livewatch settings:\n');
    expect(result.stderr).toContain(
      '  LIVEWATCH_SWEEP_BUDGET_MS: must be a whole number ≥ 1000, got "fast"\n',
    );
    expect(result.stderr).toContain(
      '  LIVEWATCH_CALLBACK_TOKENS: item 1: each token: 16–128 of [A-Za-z0-9_-], got a value of 11 characters (masked)\n',
    );
    expect(result.stderr).not.toMatch(/secret-that-stays-hidden|tiny-secret/);
  });
});
