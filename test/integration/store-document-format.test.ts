import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreIncompatibleError } from '../../lib/errors.js';
import { updateDocument } from '../../lib/store/compare-and-set.js';
import type { RestartLedger, Store } from '../../lib/store/store.js';
import { openStore, reportLegNotRun, storeAdapterCases } from '../support/store-adapters.js';

// A ledger exactly as the first builds stored it: no `format`, none of the fields added since
// (attempt, verifyFailures, deliberateStop). Written through put, stored as the same JSON.
const FIRST_BUILD_LEDGER = {
  taskId: 't1',
  region: 'cn-shanghai',
  restarts: [1_000, 2_000],
  consecutive: 2,
  nextAttemptAt: 5_000,
  needsPerson: false,
  lineage: ['t0'],
  pendingRestartAt: 2_000,
};

const asLedger = (value: unknown) => value as RestartLedger;

for (const adapter of storeAdapterCases()) {
  describe(`stored documents are parsed on read (${adapter.name})`, () => {
    if (reportLegNotRun('store-document-format', adapter)) return;
    let store: Store;
    beforeAll(async () => {
      await adapter.start();
      store = await openStore(adapter.fresh());
    });
    afterAll(async () => {
      await store?.close();
      await adapter.stop();
    });

    it('reads a ledger of the first builds’ shape, and read-modify-write carries it on', async () => {
      await store.ledgers.put('relay:cn-shanghai:t1', asLedger(FIRST_BUILD_LEDGER), null);
      expect((await store.ledgers.get('relay:cn-shanghai:t1'))?.value).toEqual(FIRST_BUILD_LEDGER);
      const { after } = await updateDocument(store.ledgers, 'relay:cn-shanghai:t1', (ledger) =>
        ledger ? { ...ledger, consecutive: ledger.consecutive + 1 } : undefined,
      );
      expect(after).toEqual({ ...FIRST_BUILD_LEDGER, consecutive: 3 });
      expect((await store.ledgers.list('relay:'))[0]?.value).toEqual({
        ...FIRST_BUILD_LEDGER,
        consecutive: 3,
      });
    });

    it('refuses a ledger a newer build wrote (a higher format) as permanent, and leaves it as stored', async () => {
      await store.ledgers.put('relay:cn-shanghai:t2', asLedger({ ...FIRST_BUILD_LEDGER, format: 99 }), null);
      const read = store.ledgers.get('relay:cn-shanghai:t2');
      await expect(read).rejects.toBeInstanceOf(StoreIncompatibleError);
      await expect(read).rejects.toThrow(/format 99, newer than this build's 1/);
      await expect(store.ledgers.list('relay:cn-shanghai:t2')).rejects.toBeInstanceOf(StoreIncompatibleError);
      // A compare-and-set that loses to it reports the same, rather than a half-read document.
      await expect(
        store.ledgers.put('relay:cn-shanghai:t2', asLedger(FIRST_BUILD_LEDGER), null),
      ).rejects.toBeInstanceOf(StoreIncompatibleError);
    });

    it('refuses a ledger without a field this build reads, naming the field, not the values', async () => {
      const { restarts: _dropped, ...withoutRestarts } = FIRST_BUILD_LEDGER;
      await store.ledgers.put('relay:cn-shanghai:t3', asLedger(withoutRestarts), null);
      const error = await store.ledgers.get('relay:cn-shanghai:t3').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreIncompatibleError);
      expect((error as StoreIncompatibleError).context).toMatchObject({
        collection: 'ledgers',
        key: 'relay:cn-shanghai:t3',
        issues: [expect.stringMatching(/^restarts: /)],
      });
    });
  });
}
