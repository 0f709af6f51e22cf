/**
 * `livewatch tasks [--region R] [--status S] [--json]`: every pull-to-push relay task of the
 * configured live centers (or one), through the rate-limited client, as an aligned table or JSON.
 * Stream URLs are never printed whole: the table shows the source host, JSON is redacted.
 */
import { sourceHostOf } from '../../lib/aliyun/render-resource-table.js';
import { LIVE_REGIONS, loadConfig } from '../../lib/config/config.js';
import { RELAY_STATES, type RelayState, type RelayTask } from '../../lib/events/resources.js';
import { relayStateOf } from '../../lib/events/states.js';
import { collectPages } from '../collect-pages.js';
import { createListingClient } from '../create-listing-client.js';
import { jsonOutput } from '../json-output.js';
import { printUsageError } from '../parse-command-args.js';
import { listingCredentialsHelp, parseListingArgs } from '../parse-listing-args.js';
import { regionsOf } from '../regions-of.js';
import { renderResourceTable } from '../render-columns.js';

const STATES = RELAY_STATES;

const USAGE = `usage: livewatch tasks [--region R] [--status S[,S…]] [--json]

  --region R   one live center (${LIVE_REGIONS.join(', ')}); default: LIVEWATCH_LIVE_REGIONS
  --status S   only tasks in these states: ${STATES.join('|')} or the API's numbers 0|1|2|3|-1
  --json       print the tasks as JSON (URLs redacted)

${listingCredentialsHelp('LIVEWATCH_LIVE_ENDPOINT')}`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseListingArgs('tasks', USAGE, argv, { status: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const wanted = parseStates(values.status);
  if (wanted instanceof Error) {
    return printUsageError('tasks', USAGE, wanted.message);
  }

  const config = loadConfig();
  const regions = regionsOf('tasks', values.region, LIVE_REGIONS, config.LIVEWATCH_LIVE_REGIONS);
  if (typeof regions === 'number') return regions;
  const client = createListingClient(config);
  const tasks = await collectPages(
    regions.map((region) => ({ label: region, pages: () => client.listRelayTaskPages({ region }) })),
    'tasks',
    (task) => wanted === undefined || wanted.has(task.state),
  );

  if (values.json) {
    console.log(jsonOutput(tasks));
    return 0;
  }
  const rows = tasks.map((task) => [
    task.taskId,
    task.name ?? '',
    task.state,
    task.invalidReason ?? task.exitReason ?? '',
    sourceHostOf(task.sourceUrls[0]),
    task.region,
  ]);
  console.log(renderResourceTable(['TASK ID', 'NAME', 'STATE', 'REASON', 'SOURCE', 'REGION'], rows));
  console.log(`\n${tasks.length} task${tasks.length === 1 ? '' : 's'}${countsByState(tasks)}`);
  return 0;
}

/** `running,3,-1` → {running, offline, exited}; undefined when no filter; an Error for a bad value. */
function parseStates(value: string | undefined): Set<RelayState> | undefined | Error {
  if (value === undefined) return undefined;
  const states = new Set<RelayState>();
  for (const part of value.split(',').map((item) => item.trim().toLowerCase())) {
    if ((STATES as readonly string[]).includes(part)) states.add(part as RelayState);
    else if (/^-?\d+$/.test(part) && ['0', '1', '2', '3', '-1'].includes(part))
      states.add(relayStateOf(Number(part)));
    else return new Error(`--status: '${part}' is not one of ${STATES.join(', ')} or 0, 1, 2, 3, -1`);
  }
  return states;
}

function countsByState(tasks: readonly RelayTask[]): string {
  if (tasks.length === 0) return '';
  const counts = new Map<string, number>();
  for (const task of tasks) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
  return ` (${[...counts].map(([state, count]) => `${count} ${state}`).join(', ')})`;
}
