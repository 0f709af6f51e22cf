import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * One measured figure beside its bound: `ratio` is value ÷ bound, as the issue states each figure
 * (times and memory: lower is better; throughput: higher is better, its goal says so).
 */
export interface BenchFigure {
  readonly bench: string;
  readonly figure: string;
  readonly store: 'sqlite' | 'redis' | 'none';
  readonly value: number;
  readonly unit: string;
  readonly bound?: number;
  readonly ratio?: number;
  /** The goal for the ratio (or the figure itself), as text: `≤ 1.05×`, `0 throttled`. */
  readonly goal?: string;
  readonly met?: boolean;
  readonly note?: string;
}

/** Where `npm run bench` keeps the latest figures (committed, so a worse figure shows in the diff). */
const RESULTS_FILE = resolve('bench/results.json');

const recorded: BenchFigure[] = [];

export function recordFigure(figure: BenchFigure): BenchFigure {
  const rounded: BenchFigure = {
    ...figure,
    value: round(figure.value),
    ...(figure.bound === undefined ? {} : { bound: round(figure.bound) }),
    ...(figure.ratio === undefined ? {} : { ratio: Math.round(figure.ratio * 100) / 100 }),
  };
  recorded.push(rounded);
  return rounded;
}

/** The figures recorded so far in this process (the bench run's own). */
export function recordedFigures(): readonly BenchFigure[] {
  return recorded;
}

/**
 * Merges this run's figures into the results file: a figure replaces the one with the same bench,
 * name and store; figures of benches not run this time are kept. Sorted, two-space JSON, so the
 * diff of a later run is line by line.
 */
export function writeResults(meta: Readonly<Record<string, string | number>>): void {
  const previous = existsSync(RESULTS_FILE)
    ? ((JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as { figures?: BenchFigure[] }).figures ?? [])
    : [];
  const key = (f: BenchFigure) => `${f.bench}\u0000${f.figure}\u0000${f.store}`;
  const byKey = new Map(previous.map((f) => [key(f), f]));
  for (const figure of recorded) byKey.set(key(figure), figure);
  const figures = [...byKey.values()].sort((a, b) => key(a).localeCompare(key(b)));
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...meta, figures }, null, 2)}\n`);
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n * 10) / 10 : Math.round(n * 1000) / 1000;
}
