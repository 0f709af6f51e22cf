import { z } from 'zod';

/**
 * Where the Alibaba Cloud pages allow more than one reading, the emulator can model each, so
 * livewatch is tested against all of them (docs/emulator.md, "Readings"). Defaults are the most
 * likely reading. Selectable by option/flag, scenario field (`readings`) and control API
 * (`POST /_emulator/readings`).
 */
export const READING_CHOICES = {
  /**
   * How a task stopped with StopLivePullToPush shows in Describe/List: TaskStatus 3 with
   * `TaskInvalidReason=TriggerByUser` (the callback page lists it there), with
   * `TaskExitReason=TriggerByUser` (the list page lists it only there), or with no reason at all.
   */
  userStop: ['invalid-reason', 'exit-reason', 'no-reason'],
  /** Whether an injected 5xx/timeout hits before the action runs, or after it applied (answer lost). */
  faultPhase: ['before', 'after'],
  /** What a VOD/url playlist that played to its end does (undocumented): keep running, or stop with no reason. */
  vodEnd: ['keeps-running', 'stops'],
  /**
   * Which file Offset applies to. UpdateLivePullToPush: "This parameter applies only to the first video
   * in the playlist" — file 0 of the playlist (`playlist-first`: ignored when playback starts at a
   * FileIndex > 0), or the first video played, the one at FileIndex (`start-file`).
   */
  offsetAppliesTo: ['playlist-first', 'start-file'],
} as const;

const latencyLike = z.union([
  z.number().int().min(0),
  z
    .tuple([z.number().int().min(0), z.number().int().min(0)])
    .refine(([min, max]) => max >= min, 'the range is reversed'),
]);

export const ReadingsSchema = z.strictObject({
  userStop: z.enum(READING_CHOICES.userStop).optional(),
  faultPhase: z.enum(READING_CHOICES.faultPhase).optional(),
  /**
   * How late each platform retry runs, ms: fixed, or drawn per failure episode from [min, max].
   * 0 = exactly at RetryInterval, so a task goes offline at since + RetryCount × RetryInterval.
   */
  retryLagMs: latencyLike.optional(),
  vodEnd: z.enum(READING_CHOICES.vodEnd).optional(),
  offsetAppliesTo: z.enum(READING_CHOICES.offsetAppliesTo).optional(),
  /**
   * A ListLiveRecordJobs/ListLiveTranscodeJobs call without StartTime/EndTime returns only jobs
   * created within this many days (whether it does is undocumented). Absent or 0: no window.
   */
  iceListWindowDays: z.number().int().min(0).max(365).optional(),
});

export type ReadingsInput = z.infer<typeof ReadingsSchema>;

export interface ReadingValues {
  readonly userStop: (typeof READING_CHOICES.userStop)[number];
  readonly faultPhase: (typeof READING_CHOICES.faultPhase)[number];
  readonly retryLagMs: number | readonly [number, number];
  readonly vodEnd: (typeof READING_CHOICES.vodEnd)[number];
  readonly offsetAppliesTo: (typeof READING_CHOICES.offsetAppliesTo)[number];
  readonly iceListWindowDays: number;
}

const DEFAULT_READINGS: ReadingValues = {
  userStop: 'invalid-reason',
  faultPhase: 'before',
  retryLagMs: 0,
  vodEnd: 'keeps-running',
  offsetAppliesTo: 'playlist-first',
  iceListWindowDays: 0,
};

/** The readings in force; changed at run time by the control API (and by tests). */
export class Readings {
  #values: ReadingValues;
  #version = 0;

  constructor(initial: ReadingsInput = {}) {
    this.#values = { ...DEFAULT_READINGS, ...defined(initial) };
  }

  get values(): ReadingValues {
    return this.#values;
  }

  /** Bumped on every change: the engine re-plans cached task schedules. */
  get version(): number {
    return this.#version;
  }

  set(change: ReadingsInput): ReadingValues {
    this.#values = { ...this.#values, ...defined(ReadingsSchema.parse(change)) };
    this.#version += 1;
    return this.#values;
  }

  /** The lag of one failure episode's retries; `draw` is the seeded PRNG (0–1). */
  retryLagFor(draw: () => number): number {
    const lag = this.#values.retryLagMs;
    if (typeof lag === 'number') return lag;
    return Math.round(lag[0] + draw() * (lag[1] - lag[0]));
  }
}

/** Parses a `--retry-lag-ms` value: `30000` or `0-60000`. */
export function parseRetryLag(text: string): number | [number, number] {
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(text.trim());
  const parsed = range
    ? [Number(range[1]), Number(range[2])]
    : /^\d+$/.test(text.trim())
      ? Number(text)
      : text;
  const result = latencyLike.safeParse(parsed);
  if (!result.success) throw new RangeError(`retry lag must be MS or MIN-MAX, got "${text}"`);
  return result.data;
}

function defined(input: ReadingsInput): Partial<ReadingValues> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
