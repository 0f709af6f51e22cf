import { systemClock } from '../../lib/clock.js';
import { InvokeError } from '../../lib/errors.js';
import { type TaskEvent, TaskEventBatchSchema } from '../../lib/events/task-event.js';
import { silentLogger } from '../../lib/log.js';
import type { SweepDeps } from '../../lib/monitor/run-sweep.js';
import type { Invoker } from '../../lib/ports/invoker.js';
import { createRuntime, installRuntime } from '../../lib/runtime.js';
import type { EmulatorOptions } from '../../local/emulator/index.js';
import { type EmulatorStack, startEmulatorStack } from './emulator-stack.js';

/**
 * An Invoker that keeps what it is handed (the alert function's side of the async invocation) and
 * can be told to fail, as FC's API does when it is unreachable. Payloads are parsed with the alert
 * function's own edge schema, so a malformed batch fails the test.
 */
export class RecordingInvoker implements Invoker {
  readonly calls: Array<{ functionName: string; payload: string; taskId: string; bytes: number }> = [];
  failing = false;

  async invokeAsync(functionName: string, payload: string, taskId: string): Promise<void> {
    if (this.failing) {
      throw new InvokeError('function compute unreachable (test)', { functionName, retryable: true });
    }
    TaskEventBatchSchema.parse(JSON.parse(payload));
    this.calls.push({ functionName, payload, taskId, bytes: Buffer.byteLength(payload, 'utf8') });
  }

  events(): TaskEvent[] {
    return this.calls.flatMap((call) => JSON.parse(call.payload) as TaskEvent[]);
  }

  clear(): void {
    this.calls.length = 0;
  }
}

/** The emulator stack (emulator, clock, store, client, temp dir) with the sweep's invoker and deps. */
export interface MonitorHarness extends EmulatorStack {
  readonly invoker: RecordingInvoker;
  readonly deps: SweepDeps;
}

/**
 * The poller's real parts over real wires: the emulator on loopback (latency 0, a high QPS on both
 * sides unless told otherwise), the real client with an in-process limiter, SQLite in a temp dir
 * (or the store given),
 * and a ManualClock shared by the emulator's task life cycle and the sweep.
 */
export async function startMonitorHarness(
  options: {
    env?: Record<string, string>;
    emulator?: EmulatorOptions;
    qps?: number;
    /** Another store (e.g. Redis: `{ url: 'redis://…', redisPrefix }`); default SQLite in the temp dir. */
    store?: { url: string; redisPrefix?: string };
    /** Where the ManualClock starts (default 2026-01-01); `Date.now()` when parts run on real time. */
    clockStart?: number;
    /**
     * A callback receiver livewatch enrols tasks into (LIVEWATCH_CALLBACK_BASE_URL, _TOKENS, _ENROL);
     * the emulator then sends each callback once, so a lost one stays lost.
     */
    callbacks?: { baseUrl: string; token: string; enrol: 'missing' | 'takeover' };
  } = {},
): Promise<MonitorHarness> {
  const { callbacks } = options;
  const stack = await startEmulatorStack({
    clockStart: options.clockStart ?? Date.UTC(2026, 0, 1),
    dirPrefix: 'livewatch-monitor-',
    qps: options.qps,
    emulator:
      callbacks === undefined
        ? options.emulator
        : { ...options.emulator, callback: { retries: 0, ...options.emulator?.callback } },
    env: {
      ...(callbacks === undefined
        ? {}
        : {
            LIVEWATCH_CALLBACK_BASE_URL: callbacks.baseUrl,
            LIVEWATCH_CALLBACK_TOKENS: callbacks.token,
            LIVEWATCH_ENROL: callbacks.enrol,
          }),
      ...(options.store === undefined ? {} : { LIVEWATCH_STORE_URL: options.store.url }),
      ...(options.store?.redisPrefix === undefined
        ? {}
        : { LIVEWATCH_REDIS_PREFIX: options.store.redisPrefix }),
      ...options.env,
    },
  });
  const { config, store, client, clock } = stack;
  const invoker = new RecordingInvoker();
  return { ...stack, invoker, deps: { config, store, client, invoker, clock, log: silentLogger } };
}

/**
 * Installs the runtime the FC handlers read, over the harness's config and store, handing async
 * invocations to `invoker`. The store-backed limiter waits on real time; the emulator's life cycle
 * keeps the ManualClock. Uninstall with `installRuntime(undefined)`.
 */
export async function installHarnessRuntime(h: MonitorHarness, invoker: Invoker = h.invoker): Promise<void> {
  const { config, store } = h;
  installRuntime(await createRuntime({ config, store, invoker, clock: systemClock, log: silentLogger }));
}
