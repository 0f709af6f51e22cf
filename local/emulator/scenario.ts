import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LIVE_REGIONS } from '../../lib/config/config.js';
import { ValidationError } from '../../lib/errors.js';
import { zodIssues } from '../../lib/zod-issues.js';
import { defaultRecordJob, defaultTranscodeJob } from './ice-job-defaults.js';
import type { EmulatedRecordJob, EmulatedTranscodeJob } from './ice-jobs.js';
import { ReadingsSchema } from './readings.js';
import type { TaskInit } from './relay-engine.js';
import type { Random } from './seeded-random.js';
import { parseUtcSeconds } from './signature.js';

/**
 * Seeding: N relay tasks (live, vod and url sources over several hosts and regions, some with a
 * CallbackUrl), record jobs and transcode jobs, generated from a small seeded PRNG so the same
 * seed gives the same ids, names, URLs and relative times. A scenario file (JSON) can set the
 * counts and spreads and list explicit tasks and initial faults.
 */

const utcTime = z.string().refine((text) => parseUtcSeconds(text) !== undefined, 'UTC yyyy-MM-ddTHH:mm:ssZ');
const selector = z.object({ taskId: z.string().min(1).optional(), host: z.string().min(1).optional() });

const TaskSpecSchema = z.object({
  taskId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,55}$/)
    .optional(),
  region: z.enum(LIVE_REGIONS).optional(),
  taskName: z.string().optional(),
  /** Absolute UTC, or seconds relative to the emulator's start (negative = in the past). */
  startTime: utcTime.optional(),
  endTime: utcTime.optional(),
  startInS: z.number().int().optional(),
  endInS: z.number().int().optional(),
  sourceType: z.enum(['live', 'vod', 'url']).optional(),
  sourceProtocol: z.string().optional(),
  sourceUrls: z.array(z.string().min(1)).min(1).max(30).optional(),
  dstUrl: z
    .string()
    .regex(/^rtmp:\/\//)
    .optional(),
  callbackUrl: z.string().optional(),
  retryCount: z.number().int().min(0).optional(),
  retryInterval: z.number().int().min(60).max(300).optional(),
  repeatNumber: z.number().int().min(-1).optional(),
  offset: z.number().int().min(1).optional(),
  fileIndex: z.number().int().min(0).optional(),
  status: z.union([z.literal(-1), z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
  invalidReason: z.string().optional(),
  fileDurations: z.array(z.number().positive()).optional(),
});

export const ScenarioSchema = z.object({
  seed: z.number().int().optional(),
  /** Number of generated relay tasks. */
  tasks: z.number().int().min(0).max(1_000_000).optional(),
  records: z.number().int().min(0).max(1_000_000).optional(),
  transcodes: z.number().int().min(0).max(1_000_000).optional(),
  /** Live centers to spread generated tasks over. */
  regions: z.array(z.enum(LIVE_REGIONS)).min(1).optional(),
  /** ICE regions to spread generated jobs over. */
  iceRegions: z.array(z.string().min(1)).min(1).optional(),
  sourceHosts: z.array(z.string().min(1)).min(1).optional(),
  dstHosts: z.array(z.string().min(1)).min(1).optional(),
  /** CallbackUrl given to a share (`callbackRatio`, default 0.5) of generated tasks. */
  callbackUrl: z.string().optional(),
  callbackRatio: z.number().min(0).max(1).optional(),
  /** Relative weights of the source types of generated tasks. */
  mix: z
    .object({ live: z.number().min(0), vod: z.number().min(0), url: z.number().min(0) })
    .partial()
    .optional(),
  /** Explicit tasks, added after the generated ones. */
  taskList: z.array(TaskSpecSchema).optional(),
  /** The documented readings to model where the pages are ambiguous (docs/emulator.md, "Readings"). */
  readings: ReadingsSchema.optional(),
  /** Faults in force from the start. */
  faults: z
    .object({ failSources: z.array(selector).optional(), rejectPushes: z.array(selector).optional() })
    .optional(),
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type TaskSpec = z.infer<typeof TaskSpecSchema>;

const DEFAULT_SEED_REGIONS = ['cn-shanghai', 'cn-beijing', 'ap-southeast-1'] as const;
const DEFAULT_SOURCE_HOSTS = [
  'origin-a.example.com',
  'origin-b.example.com',
  'origin-c.example.net',
  'vod-cdn.example.org',
  'studio.example.tv',
] as const;
const DEFAULT_DST_HOSTS = ['push-1.example-cdn.com', 'push-2.example-cdn.com'] as const;

/** Validates a scenario object (e.g. parsed JSON); throws ValidationError naming each bad field. */
export function parseScenario(input: unknown, what = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(what, zodIssues(result.error));
  }
  return result.data;
}

export async function loadScenarioFile(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`scenario file ${path}`, [{ path: '', message: 'not valid JSON' }], {
      cause: error,
    });
  }
  return parseScenario(json, `scenario file ${path}`);
}

const HOUR_MS = 3_600_000;

/** The generated relay tasks of a scenario (explicit `taskList` entries last). */
export function generateTasks(scenario: Scenario, random: Random, now: number): TaskInit[] {
  const regions = scenario.regions ?? DEFAULT_SEED_REGIONS;
  const sourceHosts = scenario.sourceHosts ?? DEFAULT_SOURCE_HOSTS;
  const dstHosts = scenario.dstHosts ?? DEFAULT_DST_HOSTS;
  const mix = {
    live: scenario.mix?.live ?? 0.6,
    vod: scenario.mix?.vod ?? 0.2,
    url: scenario.mix?.url ?? 0.2,
  };
  const totalWeight = mix.live + mix.vod + mix.url || 1;
  const ratio = scenario.callbackRatio ?? 0.5;
  const tasks: TaskInit[] = [];
  for (let i = 0; i < (scenario.tasks ?? 0); i++) {
    const taskId = random.uuid();
    const region = random.pick(regions);
    const roll = random.next() * totalWeight;
    const sourceType = roll < mix.live ? 'live' : roll < mix.live + mix.vod ? 'vod' : 'url';
    const host = random.pick(sourceHosts);
    const files = random.int(1, 5);
    const sourceUrls =
      sourceType === 'live'
        ? [`rtmp://${host}/live/stream-${i}?auth_key=${random.hex(16)}`]
        : sourceType === 'vod'
          ? Array.from({ length: files }, () => random.hex(32))
          : Array.from({ length: files }, (_, k) => `https://${host}/media/show-${i}-part-${k + 1}.mp4`);
    const withCallback = scenario.callbackUrl !== undefined && random.next() < ratio;
    tasks.push({
      taskId,
      region,
      taskName: `relay-${sourceType}-${i}`,
      startAt: now - random.int(10 * 60, 48 * 3600) * 1000,
      endAt: now + random.int(2 * 24, 7 * 24) * HOUR_MS,
      sourceType,
      sourceProtocol: sourceType === 'live' ? 'rtmp' : undefined,
      sourceUrls,
      dstUrl: `rtmp://${random.pick(dstHosts)}/relay/out-${i}`,
      ...(withCallback && scenario.callbackUrl !== undefined ? { callbackUrl: scenario.callbackUrl } : {}),
      retryCount: 3,
      retryInterval: random.pick([60, 60, 120]),
      repeatNumber: sourceType === 'live' ? 0 : random.pick([-1, -1, 0, 2]),
      status: 1,
    });
  }
  for (const spec of scenario.taskList ?? []) tasks.push(taskInitOf(spec, now));
  return tasks;
}

function taskInitOf(spec: TaskSpec, now: number): TaskInit {
  const startAt = instantOf(spec.startTime, spec.startInS, now);
  const endAt = instantOf(spec.endTime, spec.endInS, now);
  const { startTime: _s, endTime: _e, startInS: _si, endInS: _ei, ...rest } = spec;
  const init: Record<string, unknown> = { ...rest };
  if (startAt !== undefined) init.startAt = startAt;
  if (endAt !== undefined) init.endAt = endAt;
  return init as TaskInit;
}

/** A scenario names a task's start or end as a UTC time or as seconds from now; the time wins. */
function instantOf(utcTime: string | undefined, inS: number | undefined, now: number): number | undefined {
  if (utcTime !== undefined) return parseUtcSeconds(utcTime);
  return inS === undefined ? undefined : now + inS * 1000;
}

export function generateRecordJobs(scenario: Scenario, random: Random, now: number): EmulatedRecordJob[] {
  return drawJobs(scenario.records, scenario, random, now).map(({ identity, region, host }, i) =>
    defaultRecordJob(identity, { region, name: `record-${i}`, streamUrl: `rtmp://${host}/live/record-${i}` }),
  );
}

export function generateTranscodeJobs(
  scenario: Scenario,
  random: Random,
  now: number,
): EmulatedTranscodeJob[] {
  return drawJobs(scenario.transcodes, scenario, random, now).map(({ identity, region, host }, i) =>
    defaultTranscodeJob(identity, {
      region,
      name: `transcode-${i}`,
      inputUrl: `rtmp://${host}/live/transcode-${i}`,
      outputUrls: [`rtmp://push-1.example-cdn.com/transcoded/transcode-${i}`],
    }),
  );
}

/** `count` seeded jobs' draws, in the order a seed has always given them (so a seed keeps its jobs). */
function drawJobs(count: number | undefined, scenario: Scenario, random: Random, now: number) {
  return Array.from({ length: count ?? 0 }, () => {
    const jobId = random.uuid();
    const region = random.pick(scenario.iceRegions ?? ['cn-shanghai']);
    const createdAt = now - random.int(60, 72 * 60) * 60_000;
    const templateId = random.uuid();
    const host = random.pick(scenario.sourceHosts ?? DEFAULT_SOURCE_HOSTS);
    return { identity: { jobId, templateId, createdAt }, region, host };
  });
}
