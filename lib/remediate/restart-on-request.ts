import { randomUUID } from 'node:crypto';
import { LivewatchError, ValidationError } from '../errors.js';
import { resourceKey } from '../events/resources.js';
import { recordVerifiedSnapshot } from './record-verified-snapshot.js';
import { remediateTask } from './remediate-task.js';
import type { RemediationDeps } from './remediation-deps.js';
import { policyFromConfig } from './remediation-policy.js';
import type { TaskOutcome } from './task-case.js';
import { type Verified, verifyRelayTasks } from './verify-relay-tasks.js';

export interface RestartRequest {
  /** Where to look: the one `--region`, or every configured live center (a TaskId is unique). */
  readonly regions: readonly string[];
  readonly taskId: string;
  /**
   * Bypass backoff, restart budget, needs-person, the circuit breaker, opt-out and a user stop — a
   * person is asking. Never bypasses the task's StartTime/EndTime window or an exited task, and
   * dry-run is still honoured.
   */
  readonly force: boolean;
}

/**
 * `livewatch restart`: the same guarded path as the alert function (verify through the API, the
 * policies, the task's lease, the ledger and history), started by a person.
 * Rejects when the task cannot be verified (e.g. the API is unreachable).
 * @example const outcome = await restartOnRequest(deps, { regions: ['cn-shanghai'], taskId, force: false });
 */
export async function restartOnRequest(deps: RemediationDeps, request: RestartRequest): Promise<TaskOutcome> {
  if (!/^[A-Za-z0-9_-]{1,55}$/.test(request.taskId)) {
    throw new ValidationError('restart request', [
      { path: 'taskId', message: 'must be 1–55 of [A-Za-z0-9_-]' },
    ]);
  }
  const found = await findRelayTask(deps, request.taskId, request.regions);
  const { ref, key, verified } = found;
  const now = deps.clock.now();
  if (verified.kind === 'gone') {
    return remediateTask(
      deps,
      policyFromConfig(deps.config),
      { key, ref, verified: 'gone', verifiedAt: now, stateSince: now, manual: { force: request.force } },
      `cli-${randomUUID()}`,
    );
  }
  const { previous, stateSince } = await recordVerifiedSnapshot(deps.store, verified.task, now);
  return remediateTask(
    deps,
    policyFromConfig(deps.config),
    {
      key,
      ref,
      verified: verified.task,
      verifiedAt: now,
      stateSince,
      lastKnown: previous?.resource.kind === 'relay' ? previous.resource : undefined,
      hint: { observedAt: now, source: 'cli' },
      manual: { force: request.force },
    },
    `cli-${randomUUID()}`,
  );
}

interface FoundTask {
  readonly ref: { readonly region: string; readonly taskId: string };
  readonly key: string;
  readonly verified: Extract<Verified, { kind: 'task' | 'gone' }>;
}

/**
 * The region holding the task: one describe per region asked. A task the API knows in none of them
 * is "gone" only where livewatch remembered it (its episode ends there); a TaskId nobody knows — a
 * typo, the wrong region — changes nothing and names every region searched.
 */
async function findRelayTask(
  deps: RemediationDeps,
  taskId: string,
  regions: readonly string[],
): Promise<FoundTask> {
  const refs = regions.map((region) => ({ region, taskId }));
  const results = await verifyRelayTasks(deps, refs);
  const candidates = refs.map((ref) => {
    const key = resourceKey({ kind: 'relay', region: ref.region, id: taskId });
    return { ref, key, verified: results.get(key) };
  });
  const live = candidates.find((c) => c.verified?.kind === 'task');
  if (live?.verified?.kind === 'task') return { ...live, verified: live.verified };
  const failed = candidates.find((c) => c.verified === undefined || c.verified.kind === 'error');
  if (failed !== undefined) {
    // Not found where the API answered, unknown where it did not: a guess would be a lie.
    throw failed.verified?.kind === 'error'
      ? failed.verified.error
      : new LivewatchError(`could not verify ${taskId} in ${failed.ref.region}`);
  }
  for (const c of candidates) {
    const known = (await deps.store.snapshots.get(c.key)) ?? (await deps.store.ledgers.get(c.key));
    if (known !== undefined) return { ...c, verified: { kind: 'gone' } };
  }
  throw new LivewatchError(`no such task in ${regions.join(', ')}`, { context: { taskId, regions } });
}
