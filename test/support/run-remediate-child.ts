import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { cleanEnv } from './cli-process.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHILD = resolve(ROOT, 'test', 'support', 'remediate-child.ts');

export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `remediate-child.ts` in a real `node` process (the crash tests kill it with SIGKILL at a
 * chosen point); resolves with how it ended, never rejects.
 */
export function runRemediateChild(args: string[], env: Record<string, string>): Promise<ChildRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'bin', 'run-ts.js'), CHILD, ...args],
      { cwd: ROOT, env: cleanEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        done({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          signal: error?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}
