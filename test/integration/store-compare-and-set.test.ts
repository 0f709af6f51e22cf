import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../lib/errors.js';
import { compareAndSet, updateDocument } from '../../lib/store/compare-and-set.js';
import { createStore } from '../../lib/store/create-store.js';
import type { ForwardTarget, Store, VersionedCollection } from '../../lib/store/store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-cas-helper-'));
  store = await createStore(`sqlite:${join(dir, 'state.db')}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const target = (originalUrl: string) => ({ originalUrl }) as ForwardTarget;

/** The forwards collection, with a concurrent writer slipped in before the first `n` writes. */
function contended(n: number): VersionedCollection<ForwardTarget> {
  let left = n;
  return {
    get: (key) => store.forwards.get(key),
    list: (prefix) => store.forwards.list(prefix),
    listPage: (options) => store.forwards.listPage(options),
    delete: (key, version) => store.forwards.delete(key, version),
    put: async (key, value, expected) => {
      if (left > 0) {
        left -= 1;
        const now = await store.forwards.get(key);
        await store.forwards.put(key, target(`https://other/${left}`), now?.version ?? null);
      }
      return store.forwards.put(key, value, expected);
    },
  };
}

describe('compareAndSet (the one compare-and-set loop)', () => {
  it('decides again over what a concurrent writer stored, and counts the conflict', async () => {
    await store.forwards.put('k', target('https://a/'), null);
    const seen: string[] = [];
    const outcome = await compareAndSet(
      contended(1),
      'k',
      (current) => {
        seen.push(current?.value.originalUrl ?? '');
        return { next: target(`${current?.value.originalUrl}+mine`), result: seen.length };
      },
      { attempts: 4 },
    );
    expect(outcome).toMatchObject({ conflicts: 1, result: 2 });
    expect(seen).toEqual(['https://a/', 'https://other/0']);
    expect((await store.forwards.get('k'))?.value.originalUrl).toBe('https://other/0+mine');
  });

  it('throws a typed StoreConflictError naming the key when every attempt conflicts, and writes nothing of its own', async () => {
    await store.forwards.put('k', target('https://a/'), null);
    const caught = await updateDocument(contended(100), 'k', () => target('https://mine/')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(caught).toBeInstanceOf(StoreConflictError);
    expect(caught).toMatchObject({ key: 'k', attempts: 8 });
    expect((await store.forwards.get('k'))?.value.originalUrl).not.toBe('https://mine/');
  });
});
