/**
 * `livewatch notify test [--route R] [--json]`: one test message to every receiver (all routes, or
 * the receivers of route R; each robot of a rotating receiver), sent straight to the channel, and a
 * short table of the replies (HTTP status, the vendor's code). Exit codes: 0 every receiver
 * answered OK, 1 any failed (or none is configured), 2 usage. URLs, secrets and keywords are never
 * printed (docs/notify.md "Test messages").
 */
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { ValidationError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { sendTestMessages, type TestReply } from '../../lib/notify/send-test-messages.js';
import { redact } from '../../lib/redact.js';
import { jsonOutput } from '../json-output.js';
import { parseCommandArgs, printUsageError } from '../parse-command-args.js';
import { renderColumns } from '../render-columns.js';

const USAGE = `usage: livewatch notify test [--route R] [--json]

Sends one test message (info, no mentions) to every receiver the settings and LIVEWATCH_ROUTES_FILE
configure — or only to the receivers of route R (its name, or \`default\`) — and prints each reply.

  --route R   only the receivers of this route, in its language and time zone
  --json      print the replies as JSON

exit codes: 0 every receiver answered OK, 1 any failed or none is configured, 2 usage`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('notify', USAGE, argv, {
    allowPositionals: true,
    options: { route: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (typeof parsed === 'number') return parsed;
  const [action, ...rest] = parsed.positionals;
  if (action !== 'test' || rest.length > 0) {
    const got =
      action === undefined
        ? 'a subcommand is required'
        : `unknown ${JSON.stringify([action, ...rest].join(' '))}`;
    return printUsageError('notify', USAGE, `${got}: test`);
  }
  const config = loadConfig();
  const log = createLogger({ level: config.LIVEWATCH_LOG_LEVEL, format: config.LIVEWATCH_LOG_FORMAT });
  let replies: TestReply[];
  try {
    replies = await sendTestMessages(config, systemClock, log, { route: parsed.values.route });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const issue of error.issues) console.error(`livewatch notify test: ${issue.path}: ${issue.message}`);
    return 2;
  }
  // Replies quote vendor text: redact once more, whatever a vendor echoed back.
  console.log(redact(parsed.values.json ? jsonOutput(replies) : renderReplies(replies)));
  const sent = replies.filter((r) => r.outcome === 'sent').length;
  return sent > 0 && sent === replies.length ? 0 : 1;
}

function renderReplies(replies: readonly TestReply[]): string {
  if (replies.length === 0) return 'no receiver on this route';
  const rows = [['RECEIVER', 'TYPE', 'ROUTE', 'RESULT', 'HTTP', 'CODE', 'DETAIL']];
  for (const r of replies) {
    rows.push([
      r.receiver,
      r.type,
      r.route,
      r.outcome === 'sent' ? 'ok' : r.outcome === 'skipped' ? 'skipped' : 'FAILED',
      r.httpStatus === undefined ? '-' : String(r.httpStatus),
      r.vendorCode ?? '-',
      r.detail,
    ]);
  }
  return renderColumns(rows);
}
