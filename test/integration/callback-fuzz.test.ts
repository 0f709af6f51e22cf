import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_REGIONS } from '../../lib/config/config.js';
import { resourceKey } from '../../lib/events/resources.js';
import { TaskEventBatchSchema } from '../../lib/events/task-event.js';
import { createRandom, type Random } from '../../local/emulator/seeded-random.js';
import { startCallbackHarness, TOKEN } from '../support/fc-callback-harness.js';
import { CALLBACK_FIXTURES, fixtureBuffer, httpEvent } from '../support/fc-context.js';

const ITERATIONS = Number(process.env.FUZZ_N ?? 10_000);
const FIXTURES = CALLBACK_FIXTURES.map((name) => fixtureBuffer(`callbacks/${name}.json`).toString('utf8'));

type Rng = Random;

const WEIRD_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  2,
  3,
  4,
  1.5,
  1e21,
  -0,
  '',
  ' ',
  '1',
  '2',
  '3',
  '-1',
  '07',
  '1725501246',
  '1725501246.5',
  'LivePullToPush',
  'LivePullToPushRuning',
  'LivePullToPushExit',
  'livepulltopushrunning',
  'x'.repeat(300),
  '\u0000',
  '\ud800',
  '../../etc',
  '__proto__',
  [],
  [1, 'a'],
  {},
  { TaskId: 'nested' },
  1725501246,
  Number.MAX_SAFE_INTEGER,
];
const KEYS = [
  'Event',
  'EventTime',
  'TaskId',
  'TaskStatus',
  'TaskInvalidReason',
  'TaskExitReason',
  'TaskExitTime',
  'TaskInfo',
  'Region',
  '__proto__',
  'constructor',
];

function randomText(rng: Rng): string {
  const length = rng.int(0, 19);
  let out = '';
  for (let i = 0; i < length; i += 1) out += String.fromCharCode(rng.int(0, 0x24f));
  return out;
}

function mutateBytes(rng: Rng, text: string): Buffer {
  const bytes = [...Buffer.from(text, 'utf8')];
  const operations = 1 + rng.int(0, 3);
  for (let i = 0; i < operations; i += 1) {
    const at = rng.int(0, bytes.length);
    switch (rng.int(0, 2)) {
      case 0:
        if (bytes.length > 0) {
          const index = Math.min(at, bytes.length - 1);
          bytes[index] = (bytes[index] ?? 0) ^ (1 << rng.int(0, 7));
        }
        break;
      case 1:
        bytes.splice(at, 0, rng.int(0, 255));
        break;
      default:
        bytes.splice(at, 1 + rng.int(0, 2));
    }
  }
  return Buffer.from(bytes);
}

function mutateJson(rng: Rng, text: string): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  const operations = 1 + rng.int(0, 2);
  for (let i = 0; i < operations; i += 1) {
    const target =
      rng.next() < 0.25 && typeof value.TaskInfo === 'object' && value.TaskInfo !== null
        ? (value.TaskInfo as Record<string, unknown>)
        : value;
    const keys = Object.keys(target);
    switch (rng.int(0, 4)) {
      case 0: // drop a key
        if (keys.length > 0) delete target[rng.pick(keys)];
        break;
      case 1: // change a value's type or value
        target[keys.length > 0 && rng.next() < 0.7 ? rng.pick(keys) : rng.pick(KEYS)] =
          rng.pick(WEIRD_VALUES);
        break;
      case 2: // add an unknown key
        target[randomText(rng) || 'k'] = rng.pick(WEIRD_VALUES);
        break;
      case 3: // random text in a known field
        target[rng.pick(KEYS)] = randomText(rng);
        break;
      default: // a fresh, distinct observation of the same task
        value.EventTime = String(1725500000 + rng.int(0, 99_999));
    }
  }
  const out = JSON.stringify(value);
  // Sometimes wrap or truncate the document itself.
  switch (rng.int(0, 11)) {
    case 0:
      return `[${out}]`;
    case 1:
      return out.slice(0, rng.int(0, out.length - 1));
    case 2:
      return `${out}${out}`;
    default:
      return out;
  }
}

describe('callback function fuzz', () => {
  let h: Awaited<ReturnType<typeof startCallbackHarness>>;
  beforeAll(async () => {
    h = await startCallbackHarness({ localInvoker: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it(`answers ${ITERATIONS} mutated bodies without a 5xx, and changes nothing on every 4xx`, async () => {
    const rng = createRandom(0x5eed_cafe);
    const counts: Record<number, number> = {};
    let accepted = 0;
    const acceptedKeys = new Set<string>();
    /** Resource key → receive time of the last accepted callback for it (its newest history entry). */
    const newestAccepted = new Map<string, number>();

    for (let i = 0; i < ITERATIONS; i += 1) {
      h.clock.advance(1);
      const base = rng.pick(FIXTURES);
      const body = rng.next() < 0.35 ? mutateBytes(rng, base) : Buffer.from(mutateJson(rng, base), 'utf8');
      const roll = rng.next();
      const query: Record<string, string> =
        roll < 0.05 ? { region: randomText(rng) } : roll < 0.2 ? { region: rng.pick(LIVE_REGIONS) } : {};
      const event = httpEvent({ path: `/callback/${TOKEN}`, body, base64: rng.next() < 0.2, query });

      const invocationsBefore = h.localInvocations.length;

      const response = await h.handler(event);
      counts[response.statusCode] = (counts[response.statusCode] ?? 0) + 1;

      expect(response.statusCode, `iteration ${i}: ${body.toString('utf8').slice(0, 200)}`).toBeLessThan(500);
      if (response.statusCode >= 400) {
        expect(h.localInvocations.length, `iteration ${i} invoked on ${response.statusCode}`).toBe(
          invocationsBefore,
        );
        // What a rejected request could have touched: the task named in the body, in any region. Its newest
        // history entry must still be the one the last accepted callback for it wrote (or none).
        for (const key of candidateResourceKeys(body)) {
          const at = (await h.store.getHistory(key, 1))[0]?.at;
          expect(at, `iteration ${i} wrote history on ${response.statusCode}`).toBe(newestAccepted.get(key));
        }
        const json = JSON.parse(response.body) as { error?: unknown };
        expect(typeof json.error).toBe('string');
      } else {
        expect(response.statusCode).toBe(200);
        const { duplicate } = JSON.parse(response.body) as { duplicate: boolean };
        expect(h.localInvocations.length).toBe(invocationsBefore + (duplicate ? 0 : 1));
        if (!duplicate) {
          accepted += 1;
          const [submitted] = h.localInvocations.slice(-1);
          const batch = TaskEventBatchSchema.parse(JSON.parse(submitted?.payload ?? '[]'));
          for (const taskEvent of batch) {
            acceptedKeys.add(resourceKey(taskEvent.resource));
            newestAccepted.set(resourceKey(taskEvent.resource), h.clock.now());
          }
        }
      }
    }

    await h.drain();
    expect(h.delivered).toHaveLength(accepted);
    // Every history entry anywhere we looked belongs to an accepted callback.
    let entries = 0;
    for (const key of acceptedKeys) entries += (await h.store.getHistory(key, 10_000)).length;
    expect(entries).toBeLessThanOrEqual(accepted);
    // The fuzz exercised both outcomes substantially.
    expect(accepted).toBeGreaterThan(ITERATIONS / 20);
    expect(counts[400] ?? 0).toBeGreaterThan(ITERATIONS / 5);
    // 10,000 in-process requests with real SQLite writes: ~15 s alone, more on a shared 2-core machine.
  }, 120_000);
});

function candidateResourceKeys(body: Buffer): string[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const taskId = (value as { TaskId?: unknown }).TaskId;
  if (typeof taskId !== 'string' || taskId.length === 0) return [];
  return LIVE_REGIONS.map((region) => resourceKey({ kind: 'relay', region, id: taskId }));
}
