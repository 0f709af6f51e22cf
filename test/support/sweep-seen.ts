import { parseResourceKey } from '../../lib/events/resources.js';
import type { Store } from '../../lib/store/store.js';

/** The ids the sweep cursor's pass has marked seen in `prefix` (every stored snapshot not unseen). */
export async function seenIdsOfCursor(store: Store, prefix: string): Promise<string[]> {
  const pass = (await store.getSweepCursor())?.pass;
  if (pass === undefined) throw new Error('the sweep cursor names no pass');
  const unseen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.listUnseen(pass, prefix, { limit: 1_000, ...(cursor ? { cursor } : {}) });
    for (const doc of page.items) unseen.add(doc.key);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return (await store.snapshots.list(prefix))
    .filter((doc) => !unseen.has(doc.key))
    .map((doc) => parseResourceKey(doc.key)?.id ?? '');
}
