/**
 * `livewatch task clear <taskId> --reason "…" [--by NAME] [--json]`: hands a task livewatch gave up
 * on ("needs a person") back to it — fresh restart budget, re-checked at the next alert tick — and
 * resolves its "gave up" alert. Recorded with who and why in the task's history. Exit codes: 0
 * cleared, 1 no such task, nothing to clear, or a failure, 2 usage.
 */
import { clearTask } from '../../lib/operator/clear-task.js';
import { runOperatorCommand } from '../operator-session.js';

const USAGE = `usage: livewatch task clear <taskId> --reason "…" [--by NAME] [--json]

  --reason R   why (recorded in the task's history; required)
  --by NAME    who (default: your login name)
  --json       print the result as JSON

exit codes: 0 cleared, 1 no such task or it needs no person, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  return runOperatorCommand(
    {
      command: 'task',
      usage: USAGE,
      action: 'clear',
      targetRequired: 'exactly one task id is required',
      act: (deps, config, taskId, request) => clearTask(deps, config, taskId, request),
      describe: (result, request) =>
        `cleared ${result.taskId}: needs a person no more (by ${request.actor}: ${request.reason}); ${result.restartsForgotten} restart(s) forgotten, re-checked at the next alert tick`,
    },
    argv,
  );
}
