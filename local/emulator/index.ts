/**
 * The Live (2016-11-01) / ICE (2020-11-09) API emulator: a loopback HTTP server with real
 * signature checks, flow control, task life cycle, callbacks and fault injection.
 * Only what another folder imports is re-exported here; the rest stays inside the emulator.
 * @example
 *   const emulator = await startEmulator({ clock: new ManualClock(Date.now()), latencyMs: 0 });
 *   // @alicloud/openapi-client: { endpoint: emulator.endpoint, protocol: 'HTTP',
 *   //   accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret }
 */
export { parseLatency } from './control-api.js';
export type { Emulator, EmulatorOptions, EmulatorStats } from './emulator-types.js';
export { parseRetryLag, READING_CHOICES, type ReadingsInput } from './readings.js';
export type { TaskInit } from './relay-engine.js';
export type { EmulatedTask } from './relay-task.js';
export { loadScenarioFile, parseScenario } from './scenario.js';
export { startEmulator } from './start-emulator.js';
