/**
 * TEST ONLY: the alert function's remediation in a process of its own, so a test can kill it with
 * SIGKILL at a chosen point and recover in another process (test/integration/remediate-sigkill.test.ts).
 *
 *   node bin/run-ts.js test/support/remediate-child.ts event '<TaskEvent JSON>'
 *   node bin/run-ts.js test/support/remediate-child.ts batch '<TaskEvent[] JSON>'
 *   node bin/run-ts.js test/support/remediate-child.ts tick
 *
 * Settings come from the environment (as for any livewatch process), plus two test-only variables:
 * LIVEWATCH_TEST_CRASH_AT names a CrashPoint where the process kills itself with SIGKILL (no
 * cleanup, no flush: what a dead FC instance leaves behind), at its Nth pass when
 * LIVEWATCH_TEST_CRASH_ON_PASS=N (default 1: a batch's tasks run side by side, so "after every task's
 * call" is the pass numbered by the batch's size, a point that does not depend on scheduling), and
 * LIVEWATCH_TEST_CLOCK_OFFSET_MS moves this process's clock ahead (a later invocation, without waiting
 * in real time).
 * Prints one JSON line: the outcomes.
 */
import { handleEvents } from '../../lib/alert/handle-events.js';
import { parseEventBatch } from '../../lib/alert/parse-event-batch.js';
import { runTick } from '../../lib/alert/run-tick.js';
import type { Clock } from '../../lib/clock.js';
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { silentLogger } from '../../lib/log.js';
import type { CrashPoint, RemediationDeps } from '../../lib/remediate/remediation-deps.js';
import { createRuntime } from '../../lib/runtime.js';

const offset = Number(process.env.LIVEWATCH_TEST_CLOCK_OFFSET_MS ?? 0);
const clock: Clock = { now: () => systemClock.now() + offset, sleep: systemClock.sleep };
const crashAt = process.env.LIVEWATCH_TEST_CRASH_AT as CrashPoint | undefined;
let passesLeft = Number(process.env.LIVEWATCH_TEST_CRASH_ON_PASS ?? 1);

const config = loadConfig(process.env);
const runtime = await createRuntime({ config, clock, log: silentLogger });
const deps: RemediationDeps = {
  config,
  store: runtime.store,
  client: runtime.client(),
  notifier: runtime.notifier,
  clock,
  log: silentLogger,
  testCrashPoint: (point) => {
    if (point === crashAt && --passesLeft === 0) process.kill(process.pid, 'SIGKILL');
  },
};
const [mode, body] = process.argv.slice(2);
const outcomes =
  mode === 'event' || mode === 'batch'
    ? (
        await handleEvents(
          deps,
          parseEventBatch(mode === 'event' ? [JSON.parse(body ?? '')] : JSON.parse(body ?? '')),
        )
      ).outcomes
    : (await runTick(deps)).outcomes;
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
await runtime.close();
