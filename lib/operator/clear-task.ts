import type { Config } from '../config/config.js';
import { ValidationError } from '../errors.js';
import { gaveUpNotice } from '../remediate/relay-notices.js';
import { findTaskKey } from '../status/read-task-view.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { RestartLedger } from '../store/store.js';
import type { OperatorRequest } from './operator-request.js';
import type { OperatorDeps } from './reset-breaker.js';

export interface TaskClearResult {
  readonly key: string;
  readonly taskId: string;
  /** Restarts that had been used of the budget (now forgotten). */
  readonly restartsForgotten: number;
}

/**
 * `livewatch task clear <taskId>`: a person has looked at a task livewatch gave up on ("needs a
 * person") and hands it back: the flag goes, the restart budget starts afresh and the task is
 * re-checked at the next alert tick (as when it recovers on its own). Recorded with who and why in
 * the task's history; the "gave up" alert is resolved. A task that needs no person is refused and
 * nothing changes.
 * @example await clearTask(deps, config, 'a1b2…', { actor: 'alice', reason: 'origin credentials fixed' });
 */
export async function clearTask(
  deps: OperatorDeps,
  config: Config,
  taskId: string,
  request: OperatorRequest,
): Promise<TaskClearResult> {
  const { store, clock } = deps;
  const key = await findTaskKey(store, config, taskId);
  const refuse = (message: string) => new ValidationError('task clear', [{ path: 'taskId', message }]);
  if (key === undefined) throw refuse(`no task ${JSON.stringify(taskId)} in the store`);
  const now = clock.now();
  let forgotten = 0;
  const { before, written } = await updateDocument(store.ledgers, key, (ledger) => {
    if (ledger === undefined || !ledger.needsPerson) return undefined;
    forgotten = ledger.restarts.length;
    return handBack(ledger, now);
  });
  if (!written || before === undefined) throw refuse(`${taskId} does not need a person; nothing to clear`);
  await store.appendHistory(key, {
    at: now,
    type: 'operator',
    message: `needs-a-person cleared by ${request.actor}: ${request.reason}; fresh restart budget, re-checked at the next tick`,
    data: { action: 'task-clear', actor: request.actor, reason: request.reason },
  });
  const resource = (await store.snapshots.get(key))?.value.resource;
  const label = resource?.kind === 'relay' ? resource : { taskId: before.taskId, region: before.region };
  await deps.notifier.notify(
    gaveUpNotice(label, 'resolved', now, `cleared by ${request.actor}: ${request.reason}`),
  );
  return { key, taskId: before.taskId, restartsForgotten: forgotten };
}

function handBack(ledger: RestartLedger, now: number): RestartLedger {
  const { escalatedAt: _e, ...rest } = ledger;
  return { ...rest, needsPerson: false, restarts: [], consecutive: 0, nextAttemptAt: now };
}
