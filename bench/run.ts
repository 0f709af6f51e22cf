/**
 * `npm run bench`: runs every benchmark in one process, one after another (they share the two
 * cores, so never in parallel), each printing its figures beside its bound as ratios, on SQLite and
 * on a real redis-server where a store is involved; then prints every figure in one table and
 * merges them into `bench/results.json` (committed: a figure that got worse shows in the diff).
 * `npm run bench -- sweep callback` runs a subset.
 */
import { loadavg } from 'node:os';
import { recordedFigures, writeResults } from './support/bench-results.js';
import { stopBenchStores } from './support/bench-stores.js';

const BENCHES = [
  'list-tasks',
  'callback',
  'sweep',
  'remediate',
  'scale',
  'bundles',
  'cli',
  'status-page',
] as const;

interface BenchModule {
  run(): Promise<unknown>;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(BENCHES as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? wanted : BENCHES;
const startedAt = new Date().toISOString();
const loadBefore = loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
console.log(`livewatch benchmarks — node ${process.version}, ${startedAt}, load average ${loadBefore}`);
try {
  for (const name of selected) {
    console.log(`\n## ${name}\n`);
    const started = performance.now();
    const bench = (await import(`./${name}.ts`)) as BenchModule;
    await bench.run();
    console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  await stopBenchStores();
}
const loadAfter = loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
console.log(`\n## all figures (load average before: ${loadBefore}; after: ${loadAfter})\n`);
console.table(
  recordedFigures().map((f) => ({
    bench: f.bench,
    figure: f.figure,
    store: f.store,
    value: `${f.value} ${f.unit}`,
    bound: f.bound === undefined ? '' : `${f.bound} ${f.unit}`,
    ratio: f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    goal: f.goal ?? '',
    met: f.met === undefined ? '' : f.met ? 'yes' : 'no',
  })),
);
writeResults({
  command: `npm run bench${wanted.length > 0 ? ` -- ${wanted.join(' ')}` : ''}`,
  node: process.version,
  startedAt,
  finishedAt: new Date().toISOString(),
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadAfter,
});
console.log('figures merged into bench/results.json');
