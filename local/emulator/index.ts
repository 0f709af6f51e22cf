/**
 * The Live (2016-11-01) / ICE (2020-11-09) API emulator: a loopback HTTP server with real
 * signature checks, flow control, task life cycle, callbacks and fault injection.
 * @example
 *   const emulator = await startEmulator({ clock: new ManualClock(Date.now()), latencyMs: 0 });
 *   // @alicloud/openapi-client: { endpoint: emulator.endpoint, protocol: 'HTTP',
 *   //   accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret }
 */
export type { CallbackLogEntry, CallbackOptions, CallbackStats } from './callback-dispatcher.js';
export { parseLatency } from './control-api.js';
export type {
  AccessKeyPair,
  ActionStats,
  Emulator,
  EmulatorFaults,
  EmulatorOptions,
  EmulatorStats,
  RecordedRequest,
} from './emulator-types.js';
export type { ApiFault, ApiFaultKind, CallbackFaults, FaultSelector, Latency } from './faults.js';
export type { EmulatedRecordJob, EmulatedTranscodeJob, RecordStatus, TranscodeStatus } from './ice-jobs.js';
export {
  parseRetryLag,
  READING_CHOICES,
  type ReadingsInput,
  ReadingsSchema,
  type ReadingValues,
} from './readings.js';
export type { TaskInit, TaskTransition } from './relay-engine.js';
export type { EmulatedTask, SourceType, TaskStatus } from './relay-task.js';
export { defaultFileDuration } from './relay-task.js';
export { loadScenarioFile, parseScenario, type Scenario, type TaskSpec } from './scenario.js';
export { startEmulator } from './start-emulator.js';
