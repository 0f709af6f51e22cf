import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { resourceKey } from '../events/resources.js';
import { recordVerifiedSnapshot } from './record-verified-snapshot.js';
import { remediateTask } from './remediate-task.js';
import type { RemediationDeps } from './remediation-deps.js';
import { policyFromConfig } from './remediation-policy.js';
import type { TaskOutcome } from './task-case.js';
import { verifyRelayTasks } from './verify-relay-tasks.js';

export interface RestartRequest {
  readonly region: string;
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
 * @example const outcome = await restartOnRequest(deps, { region: 'cn-shanghai', taskId, force: false });
 */
export async function restartOnRequest(deps: RemediationDeps, request: RestartRequest): Promise<TaskOutcome> {
  if (!/^[A-Za-z0-9_-]{1,55}$/.test(request.taskId)) {
    throw new ValidationError('restart request', [
      { path: 'taskId', message: 'must be 1–55 of [A-Za-z0-9_-]' },
    ]);
  }
  const ref = { region: request.region, taskId: request.taskId };
  const key = resourceKey({ kind: 'relay', region: ref.region, id: ref.taskId });
  const verified = (await verifyRelayTasks(deps, [ref])).get(key);
  if (verified === undefined || verified.kind === 'error') {
    throw verified?.error ?? new Error(`could not verify ${request.taskId}`);
  }
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
