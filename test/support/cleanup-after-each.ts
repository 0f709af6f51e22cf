import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

interface Closable {
  close(): unknown;
}

export interface Cleanup {
  /** Closes `thing` after the current test, whatever its outcome; returns it for `const x = close(await start…())`. */
  close<T extends Closable>(thing: T): T;
  /** A fresh temp dir, removed after the current test. */
  tempDir(prefix: string): string;
}

/**
 * Registers one afterEach that undoes what the test started, newest first (a store is closed
 * before the temp dir holding its file goes), so a test that fails half-way still frees its
 * ports and files. Every undo runs even when one throws; the first error fails the test.
 */
export function cleanupAfterEach(): Cleanup {
  const undo: Array<() => unknown> = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const step of undo.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  return {
    close(thing) {
      undo.push(() => thing.close());
      return thing;
    },
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      undo.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
  };
}
