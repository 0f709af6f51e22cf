import type { RestartLedger } from '../../lib/store/store.js';

/** A task's restart ledger before any restart (the shape the store suites write and read back). */
export function emptyLedger(taskId: string, overrides: Partial<RestartLedger> = {}): RestartLedger {
  return {
    taskId,
    region: 'cn-shanghai',
    restarts: [],
    consecutive: 0,
    needsPerson: false,
    lineage: [],
    ...overrides,
  };
}
