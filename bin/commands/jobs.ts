/**
 * `livewatch jobs [--kind record|transcode] [--region R] [--json]`: ICE live record and live
 * transcode jobs of the configured ICE regions (or one), as an aligned table or JSON. Stream URLs
 * are never printed whole: the table shows the source host, JSON is redacted.
 */
import type { AliyunClient, Page } from '../../lib/aliyun/api.js';
import { sourceHostOf } from '../../lib/aliyun/render-resource-table.js';
import { ICE_REGIONS, loadConfig } from '../../lib/config/config.js';
import type { RecordJob, TranscodeJob } from '../../lib/events/resources.js';
import { collectPages } from '../collect-pages.js';
import { createListingClient } from '../create-listing-client.js';
import { jsonOutput } from '../json-output.js';
import { printUsageError } from '../parse-command-args.js';
import { listingCredentialsHelp, parseListingArgs } from '../parse-listing-args.js';
import { regionsOf } from '../regions-of.js';
import { renderResourceTable } from '../render-columns.js';

const KINDS = ['record', 'transcode'] as const;
type Kind = (typeof KINDS)[number];

const USAGE = `usage: livewatch jobs [--kind record|transcode] [--region R] [--json]

  --kind K     only record jobs or only transcode jobs (default: both)
  --region R   one ICE region (${ICE_REGIONS.join(', ')}); default: LIVEWATCH_ICE_REGIONS
  --json       print the jobs as JSON (URLs redacted)

${listingCredentialsHelp('LIVEWATCH_ICE_ENDPOINT')}`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseListingArgs('jobs', USAGE, argv, { kind: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (values.kind !== undefined && !(KINDS as readonly string[]).includes(values.kind)) {
    return printUsageError('jobs', USAGE, '--kind must be record or transcode');
  }
  const config = loadConfig();
  const regions = regionsOf('jobs', values.region, ICE_REGIONS, config.LIVEWATCH_ICE_REGIONS);
  if (typeof regions === 'number') return regions;
  const client = createListingClient(config);
  const kinds: readonly Kind[] = values.kind === undefined ? KINDS : [values.kind as Kind];
  const jobs = await collectPages<RecordJob | TranscodeJob>(
    regions.flatMap((region) =>
      kinds.map((kind) => ({ label: `${kind} ${region}`, pages: () => pagesOf(client, kind, region) })),
    ),
    'jobs',
  );

  if (values.json) {
    console.log(jsonOutput(jobs));
    return 0;
  }
  const rows = jobs.map((job) => [
    job.kind,
    job.jobId,
    job.name ?? '',
    job.state,
    // ICE lists give no reason; the raw status tells a `gone` state's odd value apart.
    job.state === 'gone' ? `status ${String(job.status)}` : '',
    sourceHostOf(job.kind === 'record' ? job.streamUrl : job.inputUrl),
    job.region,
  ]);
  console.log(renderResourceTable(['KIND', 'JOB ID', 'NAME', 'STATE', 'REASON', 'SOURCE', 'REGION'], rows));
  console.log(`\n${jobs.length} job${jobs.length === 1 ? '' : 's'}`);
  return 0;
}

function pagesOf(
  client: AliyunClient,
  kind: Kind,
  region: string,
): AsyncIterable<Page<RecordJob>> | AsyncIterable<Page<TranscodeJob>> {
  return kind === 'record' ? client.listRecordJobPages({ region }) : client.listTranscodeJobPages({ region });
}
