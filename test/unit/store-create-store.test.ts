import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError, ValidationError } from '../../lib/errors.js';
import { createStore, parseStoreUrl } from '../../lib/store/create-store.js';

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./.livewatch/state.db', { kind: 'sqlite', path: './.livewatch/state.db' }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['sqlite:///var/lib/livewatch.db', { kind: 'sqlite', path: '/var/lib/livewatch.db' }],
    ['sqlite://state.db', { kind: 'sqlite', path: 'state.db' }],
    ['redis://127.0.0.1:6379/0', { kind: 'redis', url: 'redis://127.0.0.1:6379/0' }],
    [
      'rediss://user:pw@r-bp1.redis.rds.aliyuncs.com:6380',
      { kind: 'redis', url: 'rediss://user:pw@r-bp1.redis.rds.aliyuncs.com:6380' },
    ],
  ])('reads %s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected);
  });

  it.each(['sqlite:', 'postgres://db', 'redis://', 'redis:///0', 'redis://h:6379/x', './state.db', ''])(
    'rejects %j naming the setting',
    (url) => {
      const error = (() => {
        try {
          parseStoreUrl(url);
          return undefined;
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toBe('LIVEWATCH_STORE_URL');
    },
  );
});

describe('createStore', () => {
  it('opens an in-memory SQLite store', async () => {
    const store = await createStore('sqlite::memory:');
    try {
      expect(store.kind).toBe('sqlite');
      expect(await store.claim('k', 1_000, 0)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('rejects with StoreUnavailableError when the SQLite path cannot be created', async () => {
    // A regular file where a directory should be: mkdir fails with ENOTDIR.
    const dir = mkdtempSync(join(tmpdir(), 'livewatch-create-'));
    writeFileSync(join(dir, 'file'), '');
    const error = await createStore(`sqlite:${join(dir, 'file', 'sub', 'state.db')}`).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).operation).toBe('open');
    rmSync(dir, { recursive: true, force: true });
  });
});
