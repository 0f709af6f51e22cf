import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../lib/store/create-store.js';
import { spawnStoreWorker } from '../support/store-workers.js';

describe('sqlite store durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livewatch-durability-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every commit a SIGKILLed writer reported, and the file passes integrity_check', async () => {
    const file = join(dir, 'state.db');
    const worker = spawnStoreWorker({ mode: 'commit', url: `sqlite:${file}` });
    await worker.waitForLine('ready');
    worker.go();
    // Kill it in the middle of its write loop, once a few hundred commits have been reported.
    await worker.waitForLine('committed 300');
    worker.child.kill('SIGKILL');
    await worker.exited();
    expect(worker.child.signalCode).toBe('SIGKILL');
    const reported = worker.lines
      .map((line) => /^committed (\d+)$/.exec(line)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    expect(reported.length).toBeGreaterThanOrEqual(300);

    const raw = new Database(file);
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      raw.close();
    }

    const store = await createStore(`sqlite:${file}`);
    try {
      const keys = new Set((await store.forwards.list('relay:cn-shanghai:')).map((doc) => doc.key));
      const missing = reported.filter((n) => !keys.has(`relay:cn-shanghai:${String(n).padStart(8, '0')}`));
      expect(missing).toEqual([]);
      const last = reported.at(-1) ?? 0;
      const history = await store.getHistory(`relay:cn-shanghai:${String(last).padStart(8, '0')}`);
      expect(history.map((entry) => entry.message)).toEqual([`commit ${last}`]);
      // The reopened file takes new writes.
      expect(await store.claim('after-crash', 1_000, Date.now())).toBe(true);
    } finally {
      await store.close();
    }
  });
});
