/**
 * `npm run bench`: runs every benchmark in one process, one after another (they share the two
 * cores, so never in parallel), each printing its figures beside its baseline as ratios.
 * `npm run bench -- sweep callback` runs a subset.
 */
const BENCHES = ['list-tasks', 'callback', 'sweep', 'remediate', 'bundles', 'cli', 'status-page'] as const;

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
console.log(`livewatch benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const name of selected) {
  console.log(`\n## ${name}\n`);
  const started = performance.now();
  const bench = (await import(`./${name}.ts`)) as BenchModule;
  await bench.run();
  console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
