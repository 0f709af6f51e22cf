import { defineConfig } from 'vitest/config';
import { RELAY_READINGS } from './test/support/relay-readings.js';

/**
 * The suites that act on relay tasks through the remediate harness (every user of
 * test/support/remediate-harness.ts): they run once per readings
 * row (test/support/relay-readings.ts, docs/emulator.md "Readings"), the harness taking the row from
 * LIVEWATCH_TEST_READINGS. Everything else runs once (remediate-readings holds the rows itself).
 */
const RELAY_SUITES = [
  // Not remediate-readings: it runs every row itself (describe.each) with the readings spelt out.
  'test/integration/remediate-!(readings).test.ts',
  'test/integration/alert-e2e.test.ts',
  'test/integration/alert-function.test.ts',
  'test/integration/alert-cli.test.ts',
  'test/integration/alert-inbox.test.ts',
  'test/integration/cli-restart.test.ts',
  'test/integration/cli-status.test.ts',
  'test/integration/host-store-outage.test.ts',
  'test/integration/notify-demo-outage.test.ts',
];

export default defineConfig({
  test: {
    // Tests spawn the CLI as a user does (bin/livewatch.js → build/cli/): bundle it first.
    globalSetup: ['test/support/build-cli.ts'],
    // Integration tests start real servers (emulator, redis-server, chat sinks) on loopback;
    // two cores, so keep parallelism modest and timeouts generous for CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // https://vitest.dev/guide/projects: one project per readings row, same files, another env.
    projects: [
      { extends: true, test: { name: 'rest', include: ['test/**/*.test.ts'], exclude: RELAY_SUITES } },
      ...RELAY_READINGS.map(({ name }, row) => ({
        extends: true as const,
        test: { name: `relay:${name}`, include: RELAY_SUITES, env: { LIVEWATCH_TEST_READINGS: String(row) } },
      })),
    ],
  },
});
