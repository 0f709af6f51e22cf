import type { RelayTask } from '../events/resources.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { RestartAttempt, RestartLedger } from '../store/store.js';
import { restartedNotice } from './relay-notices.js';
import type { RemediationDeps } from './remediation-deps.js';
import type { RemediationPolicy } from './remediation-policy.js';
import { applyAttemptSettled, mayHaveRestarted } from './restart-ledger.js';
import type { Remember, TaskCase } from './task-case.js';

/**
 * Before deciding, an attempt left in the ledger is settled (docs/alert.md, "Ledger states"): an
 * `intent` whose holder died (SIGKILL, FC timeout, a store failure after the call), or an `unknown`
 * answer this invocation just met. The task was described since (the case's verified state), so the
 * decision that follows sees it as it is now; a restart that may have happened counts against the
 * budget and gets its "restarted" notice — under the attempt's own id, so once even if the dead
 * holder had sent it already. Settling is one compare-and-set: counted once however many look.
 * Resolves with the ledger to decide with.
 */
export async function settleAttempt(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  c: TaskCase,
  ledger: RestartLedger | undefined,
  remember: Remember,
): Promise<RestartLedger | undefined> {
  const attempt = ledger?.attempt;
  if (attempt === undefined) return ledger;
  const { after, written } = await updateDocument(deps.store.ledgers, c.key, (current) =>
    current?.attempt?.at === attempt.at ? applyAttemptSettled(current, policy).ledger : undefined,
  );
  if (!written) return after;
  const counted = mayHaveRestarted(attempt);
  const now = c.verified === 'gone' ? 'gone' : c.verified.state;
  await remember('restart-unconfirmed', settledMessage(attempt, counted, now), {
    attempt: attempt.number,
    attemptAt: attempt.at,
    attemptState: attempt.state,
    ...(attempt.action ? { action: attempt.action } : {}),
    counted,
    state: now,
  });
  if (counted && c.verified !== 'gone') {
    const notice = restartedNotice(c.verified, attempt.at, {
      attempt: attempt.number,
      resume: attempt.resume,
      dryRun: false,
      unconfirmed: unconfirmedWording(attempt, c.verified),
    });
    if (notice) await deps.notifier.notify(notice);
  }
  return after;
}

function settledMessage(attempt: RestartAttempt, counted: boolean, state: string): string {
  const why =
    attempt.state === 'intent'
      ? 'an earlier invocation ended between deciding it and recording its outcome'
      : `the answer to ${attempt.action ?? 'a call'} was lost (it may have been carried out)`;
  const count = counted ? 'counted against the restart budget' : 'no restart was sent';
  return `restart #${attempt.number} unconfirmed: ${why}; ${count}; described again: ${state}; deciding afresh`;
}

function unconfirmedWording(attempt: RestartAttempt, task: RelayTask): { en: string; zh: string } {
  return attempt.state === 'intent'
    ? {
        en: `not confirmed: the invocation that sent it ended before recording it; the task is ${task.state} now`,
        zh: `未确认：发起重启的调用在记录结果前中断；任务当前状态 ${task.state}`,
      }
    : {
        en: `not confirmed: the answer was lost and it was not resent; the task is ${task.state} now`,
        zh: `未确认：应答丢失，未重发；任务当前状态 ${task.state}`,
      };
}
