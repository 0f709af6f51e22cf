// One warm Function Compute instance of the poller, for bench/scale.ts: imports the deployed bundle
// (dist/poller.js, built by scripts/build.mjs) under plain node, with no TypeScript loader, and calls
// its handler tick after tick with a timer event, as FC does. The runtime (store client, the limiter's
// learning) lives across ticks, as it does in a warm instance. Settings come from the environment, as
// in FC. Prints `SCALE_RESULT <json>` on stdout and exits.
import { pathToFileURL } from 'node:url';

const MB = 1024 * 1024;
const MAX_TICKS = 50;
const bundle = process.argv[2];
if (!bundle) throw new Error('usage: node bench/support/poller-instance.mjs <dist/poller.js>');

const { handler } = await import(pathToFileURL(bundle).href);
const baselineRssMb = process.memoryUsage().rss / MB;
let peakHeap = 0;
/** process.memoryUsage() when RSS peaked: how much of it is V8's heap, and how much of that is in use. */
let atPeak = { rss: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  if (usage.rss > atPeak.rss) atPeak = usage;
  peakHeap = Math.max(peakHeap, usage.heapUsed);
};
const timer = setInterval(sample, 20);

const context = {
  requestId: 'bench',
  region: 'cn-shanghai',
  accountId: 'bench',
  function: { name: 'livewatch-poller', timeout: 55 },
  credentials: {
    accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
    accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
  },
};

/**
 * Ticks until the pass over the region's relay tasks concludes: a tick that listed relay tasks and did
 * not leave its cursor in the relay scope finished that scope's pass (the tick may end before the
 * region's ICE scopes, which the next pass starts with).
 */
async function pass() {
  const tickSeconds = [];
  let apiCalls = 0;
  let throttled = 0;
  let changes = 0;
  for (let tick = 0; tick < MAX_TICKS; tick += 1) {
    const event = Buffer.from(
      JSON.stringify({ triggerTime: new Date().toISOString(), triggerName: 'bench' }),
    );
    const started = performance.now();
    const summary = await handler(event, { ...context, requestId: `bench-${tick}` });
    tickSeconds.push((performance.now() - started) / 1000);
    const where = `${summary.continuedFrom ?? 'start'} → ${summary.leftAt ?? 'end'}`;
    console.error(
      `  tick ${tick + 1}: ${tickSeconds.at(-1).toFixed(1)} s, ${summary.apiCalls} calls, ${where}`,
    );
    if (summary.skipped) throw new Error(`scale bench: tick ${tick} was skipped (${summary.skipped})`);
    if (summary.errors.length > 0) throw new Error(`scale bench: tick ${tick}: ${summary.errors.join('; ')}`);
    apiCalls += summary.apiCalls;
    throttled += summary.throttled;
    changes += summary.changes;
    const listedRelay = Object.keys(summary.tasks).some((key) => key.startsWith('relay.'));
    if (listedRelay && !summary.leftAt?.startsWith('relay:')) {
      return {
        ticks: tickSeconds.length,
        tickSeconds,
        totalSeconds: sum(tickSeconds),
        throttled,
        apiCalls,
        changes,
      };
    }
  }
  throw new Error(`scale bench: the pass did not conclude in ${MAX_TICKS} ticks`);
}

const sum = (values) => values.reduce((total, value) => total + value, 0);

const first = await pass();
const steady = await pass();
sample();
clearInterval(timer);
console.log(
  `SCALE_RESULT ${JSON.stringify({
    first,
    steady,
    peakRssMb: atPeak.rss / MB,
    baselineRssMb,
    peakHeapMb: peakHeap / MB,
    atPeakMb: Object.fromEntries(Object.entries(atPeak).map(([name, bytes]) => [name, bytes / MB])),
  })}`,
);
// The runtime keeps its store connection open for the next invocation, as a warm instance does.
process.exit(0);
