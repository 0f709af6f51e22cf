/**
 * `livewatch breaker reset <scope> --reason "…" [--by NAME] [--json]`: closes a mass-failure breaker
 * (`host:<source host>` or `region:<region>`) now instead of waiting for its probe; the failing tasks
 * of its group are re-checked at the next alert tick. Recorded with who and why in the breaker's and
 * each task's history (the status page shows it). Exit codes: 0 reset, 1 no such breaker or a
 * failure, 2 usage.
 */
import { resetBreaker } from '../../lib/operator/reset-breaker.js';
import { runOperatorCommand } from '../operator-session.js';

const USAGE = `usage: livewatch breaker reset <scope> --reason "…" [--by NAME] [--json]

  <scope>      host:<source host> or region:<region id> (livewatch status lists open breakers)
  --reason R   why (recorded in the history; required)
  --by NAME    who (default: your login name)
  --json       print the result as JSON

exit codes: 0 reset, 1 no such breaker or a failure, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  return runOperatorCommand(
    {
      command: 'breaker',
      usage: USAGE,
      action: 'reset',
      targetRequired: 'exactly one scope is required, e.g. host:origin.example.com',
      act: (deps, _config, scope, request) => resetBreaker(deps, scope, request),
      describe: (result, request) =>
        `reset ${result.breaker} (was ${result.previous}) by ${request.actor}: ${request.reason}\n${result.tasks.length} failing task(s) of its group re-checked at the next alert tick`,
    },
    argv,
  );
}
