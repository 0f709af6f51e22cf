/**
 * `livewatch breaker reset <scope> --reason "…" [--by NAME] [--json]`: closes a mass-failure breaker
 * (`host:<source host>` or `region:<region>`) now instead of waiting for its probe; the failing tasks
 * of its group are re-checked at the next alert tick. Recorded with who and why in the breaker's and
 * each task's history (the status page shows it). Exit codes: 0 reset, 1 no such breaker or a
 * failure, 2 usage.
 */
import { loadConfig } from '../../lib/config/config.js';
import { resetBreaker } from '../../lib/operator/reset-breaker.js';
import { redact } from '../../lib/redact.js';
import { jsonOutput } from '../json-output.js';
import { operatorRequestOf, withOperatorDeps } from '../operator-session.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';

const USAGE = `usage: livewatch breaker reset <scope> --reason "…" [--by NAME] [--json]

  <scope>      host:<source host> or region:<region id> (livewatch status lists open breakers)
  --reason R   why (recorded in the history; required)
  --by NAME    who (default: your login name)
  --json       print the result as JSON

exit codes: 0 reset, 1 no such breaker or a failure, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('breaker', USAGE, argv, {
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      by: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [action, scope, ...extra] = positionals;
  if (action !== 'reset') {
    return printUsageError('breaker', USAGE, `unknown action '${action ?? ''}' (only: reset)`);
  }
  if (scope === undefined || extra.length > 0) {
    return printUsageError('breaker', USAGE, 'exactly one scope is required, e.g. host:origin.example.com');
  }
  const request = operatorRequestOf('breaker', USAGE, values);
  if (typeof request === 'number') return request;
  const config = loadConfig();
  const result = await withOperatorDeps(config, (deps) => resetBreaker(deps, scope, request));
  console.log(
    values.json
      ? jsonOutput(result)
      : redact(
          `reset ${result.breaker} (was ${result.previous}) by ${request.actor}: ${request.reason}\n${result.tasks.length} failing task(s) of its group re-checked at the next alert tick`,
        ),
  );
  return 0;
}
