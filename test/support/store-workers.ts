import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A running `store-worker.ts` child: its stdout lines, and helpers to wait for them. */
export interface StoreWorker {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line (seen or future) that starts with `prefix`; rejects if the worker exits first. */
  waitForLine(prefix: string): Promise<string>;
  /** Sends the start signal. */
  go(): void;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  stderr(): string;
}

/** Spawns `node --import tsx test/support/store-worker.ts <job>`. */
export function spawnStoreWorker(job: Record<string, unknown>): StoreWorker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/store-worker.ts', JSON.stringify(job)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  if (!child.stdout) throw new Error('worker stdout is not a pipe');
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const listener of [...listeners]) listener(line);
  });
  // 'close' (not 'exit'): it fires after stdout has been read to the end.
  const exit = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    lines,
    waitForLine(prefix) {
      const seen = lines.find((line) => line.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const listener = (line: string): void => {
          if (!line.startsWith(prefix)) return;
          listeners.splice(listeners.indexOf(listener), 1);
          resolve(line);
        };
        listeners.push(listener);
        void exit.then((code) => {
          if (listeners.includes(listener)) {
            reject(new Error(`store worker exited (${String(code)}) before printing '${prefix}': ${stderr}`));
          }
        });
      });
    },
    go() {
      child.stdin?.end('go\n');
    },
    exited: () => exit,
    stderr: () => stderr,
  };
}
