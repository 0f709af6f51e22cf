import { describe, expect, it } from 'vitest';
import { coalesceCounters } from '../../lib/store/coalesce-counters.js';

/** A write the test completes by hand, recording what each write carried. */
function manualWrites() {
  const writes: Array<{ sums: Record<string, number>; finish: (error?: Error) => void }> = [];
  const write = (sums: ReadonlyMap<string, number>) =>
    new Promise<void>((resolve, reject) => {
      writes.push({ sums: Object.fromEntries(sums), finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { writes, write };
}

const turn = () => new Promise((done) => setImmediate(done));

describe('coalesceCounters', () => {
  it('writes a lone caller at once and sums callers that arrive during a write into one next write', async () => {
    const { writes, write } = manualWrites();
    const add = coalesceCounters(write);
    const first = add([['a', 1]]);
    await turn();
    expect(writes.map((w) => w.sums)).toEqual([{ a: 1 }]);

    const during = [
      add([['a', 2]]),
      add([
        ['a', 3],
        ['b', 1],
      ]),
      add([['b', 0.5]]),
    ];
    await turn();
    // Nothing more is written while the first write is in flight.
    expect(writes).toHaveLength(1);
    writes[0]?.finish();
    await first;
    await turn();
    expect(writes.map((w) => w.sums)).toEqual([{ a: 1 }, { a: 5, b: 1.5 }]);
    writes[1]?.finish();
    await Promise.all(during);
  });

  it('rejects exactly the callers of a failed write; the next batch is written and resolves', async () => {
    const { writes, write } = manualWrites();
    const add = coalesceCounters(write);
    const failed = add([['a', 1]]);
    await turn();
    const next = add([['a', 2]]);
    writes[0]?.finish(new Error('store down'));
    await expect(failed).rejects.toThrow('store down');
    await turn();
    expect(writes[1]?.sums).toEqual({ a: 2 });
    writes[1]?.finish();
    await expect(next).resolves.toBeUndefined();
  });
});
