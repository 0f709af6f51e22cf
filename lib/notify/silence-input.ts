import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { isValidRegExp } from '../is-valid-reg-exp.js';
import type { Silence } from '../store/store.js';

/**
 * What `livewatch silence add` accepts, keyed by its flag names so every error names the flag and
 * echoes the offending value (docs/notify.md "Silences"). Lists are already split on commas.
 */
const SEVERITIES = ['critical', 'warning', 'info'] as const;
const KINDS = ['relay', 'record', 'transcode', 'monitor'] as const;
/** The longest window one silence may cover: a forgotten silence must not mute pages for months. */
const MAX_SILENCE_MS = 30 * 24 * 3600_000;

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must list at least one value');
const word = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
/** ISO 8601 with an explicit zone: a bare local time means different instants on different machines. */
const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO 8601 time with a zone, e.g. 2026-12-03T22:00+08:00 or 2026-12-03T14:00Z',
  )
  .refine((text) => !Number.isNaN(Date.parse(text)), 'is not a real date')
  .transform((text) => Date.parse(text));
const duration = z
  .string()
  .regex(/^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/, 'must be a duration like 90m, 2h, 1h30m or 1d')
  .transform(durationMs)
  .refine((ms) => ms > 0, 'must be longer than 0');

const SilenceInputSchema = z
  .object({
    severity: list(z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` })).optional(),
    kind: list(z.enum(KINDS, { error: `must be one of ${KINDS.join(', ')}` })).optional(),
    region: list(
      z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+$/, 'must be a region id like cn-shanghai'),
    ).optional(),
    reason: list(word).optional(),
    'source-host': list(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name (no scheme or path), e.g. origin.example.com')
        .transform((host) => host.toLowerCase()),
    ).optional(),
    'task-name': z
      .string()
      .min(1, 'must not be empty')
      .refine(isValidRegExp, 'must be a valid regular expression')
      .optional(),
    'task-id': list(word).optional(),
    start: instant.optional(),
    end: instant.optional(),
    duration: duration.optional(),
    author: word,
    comment: z
      .string()
      .trim()
      .min(1, 'is required: say why (e.g. a ticket)')
      .max(500, 'must be at most 500 characters'),
    'pause-restarts': z.boolean().default(false),
  })
  .strict();

/** The raw flags, as the CLI parsed them (lists split on commas); validated here. */
export type SilenceFlags = Readonly<Record<string, string | readonly string[] | boolean | undefined>>;
type MatcherFlag = 'severity' | 'kind' | 'region' | 'reason' | 'source-host' | 'task-name' | 'task-id';
const MATCHER_FLAGS: readonly MatcherFlag[] = [
  'severity',
  'kind',
  'region',
  'reason',
  'source-host',
  'task-name',
  'task-id',
];

/**
 * Validates the flags of `livewatch silence add` and builds the silence (not yet stored). Throws a
 * ValidationError whose issues name the flag (`--duration`) and quote the value; nothing is written.
 * @example silenceFromInput({ 'source-host': ['origin.example.com'], duration: '2h', author: 'ana',
 *   comment: 'CDN maintenance' }, 'sil-1a2b', Date.now())
 */
export function silenceFromInput(input: SilenceFlags, id: string, now: number): Silence {
  const parsed = SilenceInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'livewatch silence add',
      parsed.error.issues.map((issue) => ({
        path: flagOf(issue.path),
        message: `${echo(input, issue.path)}${issue.message}`,
      })),
    );
  }
  const value = parsed.data;
  const problems: Array<{ path: string; message: string }> = [];
  if (!MATCHER_FLAGS.some((flag) => value[flag] !== undefined)) {
    problems.push({
      path: '(matchers)',
      message: `give at least one of ${MATCHER_FLAGS.map((f) => `--${f}`).join(', ')} (a silence of everything would hide every page)`,
    });
  }
  const startsAt = value.start ?? now;
  let endsAt = startsAt;
  if ((value.end === undefined) === (value.duration === undefined)) {
    problems.push({ path: '--end', message: 'give exactly one of --end or --duration' });
  } else {
    endsAt = value.end ?? startsAt + (value.duration ?? 0);
    const flag = value.end === undefined ? '--duration' : '--end';
    const shown = JSON.stringify(input.end ?? input.duration);
    if (endsAt <= startsAt) {
      problems.push({ path: flag, message: `${shown} is not after the start` });
    } else if (endsAt <= now) {
      problems.push({ path: flag, message: `${shown} ends in the past` });
    } else if (endsAt - startsAt > MAX_SILENCE_MS) {
      problems.push({ path: flag, message: `${shown} makes the silence longer than 30 days` });
    }
  }
  if (problems.length > 0) throw new ValidationError('livewatch silence add', problems);
  const matchers: Silence['matchers'] = {
    ...(value.severity ? { severity: value.severity } : {}),
    ...(value.kind ? { kind: value.kind } : {}),
    ...(value.region ? { region: value.region } : {}),
    ...(value.reason ? { reason: value.reason } : {}),
    ...(value['source-host'] ? { sourceHost: value['source-host'] } : {}),
    ...(value['task-name'] ? { taskName: value['task-name'] } : {}),
    ...(value['task-id'] ? { taskId: value['task-id'] } : {}),
  };
  return {
    id,
    matchers,
    startsAt,
    endsAt,
    createdBy: value.author,
    comment: value.comment,
    createdAt: now,
    pauseRestarts: value['pause-restarts'],
  };
}

function flagOf(path: readonly PropertyKey[]): string {
  const [head] = path;
  return head === undefined ? '(flags)' : `--${String(head)}`;
}

/** `"urgent" ` — the value at the issue's path, so the user sees what was refused. */
function echo(input: unknown, path: readonly PropertyKey[]): string {
  let value: unknown = input;
  for (const key of path) {
    value =
      typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (value === undefined) return '';
  return `${JSON.stringify(Array.isArray(value) ? value.join(',') : value)} `;
}

function durationMs(text: string): number {
  const unit: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
  let ms = 0;
  for (const [, amount, u] of text.matchAll(/(\d+)([dhms])/g)) ms += Number(amount) * (unit[u ?? 's'] ?? 0);
  return ms;
}
