/**
 * `livewatch task clear <taskId> --reason "…" [--by NAME] [--json]`: hands a task livewatch gave up
 * on ("needs a person") back to it — fresh restart budget, re-checked at the next alert tick — and
 * resolves its "gave up" alert. Recorded with who and why in the task's history. Exit codes: 0
 * cleared, 1 no such task, nothing to clear, or a failure, 2 usage.
 */
import { loadConfig } from '../../lib/config/config.js';
import { clearTask } from '../../lib/operator/clear-task.js';
import { redact } from '../../lib/redact.js';
import { jsonOutput } from '../json-output.js';
import { operatorRequestOf, withOperatorDeps } from '../operator-session.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';

const USAGE = `usage: livewatch task clear <taskId> --reason "…" [--by NAME] [--json]

  --reason R   why (recorded in the task's history; required)
  --by NAME    who (default: your login name)
  --json       print the result as JSON

exit codes: 0 cleared, 1 no such task or it needs no person, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('task', USAGE, argv, {
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, taskId, ...extra] = positionals;
  if (action !== 'clear') {
    return printUsageError('task', USAGE, `unknown action '${action ?? ''}' (only: clear)`);
  }
  if (taskId === undefined || extra.length > 0) {
    return printUsageError('task', USAGE, 'exactly one task id is required');
  }
  const request = operatorRequestOf('task', USAGE, values);
  if (typeof request === 'number') return request;
  const config = loadConfig();
  const result = await withOperatorDeps(config, (deps) => clearTask(deps, config, taskId, request));
  console.log(
    values.json
      ? jsonOutput(result)
      : redact(
          `cleared ${result.taskId}: needs a person no more (by ${request.actor}: ${request.reason}); ${result.restartsForgotten} restart(s) forgotten, re-checked at the next alert tick`,
        ),
  );
  return 0;
}
