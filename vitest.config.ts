import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests spawn the CLI as a user does (bin/livewatch.js → build/cli/): bundle it first.
    globalSetup: ['test/support/build-cli.ts'],
    // Integration tests start real servers (emulator, redis-server, chat sinks) on loopback;
    // two cores, so keep parallelism modest and timeouts generous for CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
