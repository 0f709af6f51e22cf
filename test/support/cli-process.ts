import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';

/** The CLI as a user runs it (`npx livewatch` runs this file). */
export const CLI = resolve(import.meta.dirname, '..', '..', 'bin', 'livewatch.js');

/** An environment with nothing of the developer's: PATH plus what the test gives. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...extra };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The run exited 0 with nothing on stderr (a failure shows both). */
export function expectSuccess(result: CliResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}

/** The run exited `code` and its stderr says `said` (a substring or a pattern). */
export function expectFailure(result: CliResult, code: number, said: string | RegExp): void {
  expect(result.code).toBe(code);
  if (typeof said === 'string') expect(result.stderr).toContain(said);
  else expect(result.stderr).toMatch(said);
}

/** Runs `livewatch <args>` to completion. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return new Promise<CliResult>((resolveRun) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env: options.env ?? cleanEnv(), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

/** The accumulated output of a long-running child, with waits on patterns. */
export class Output {
  text = '';
  readonly #waiters: Array<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }> = [];

  push(chunk: string): void {
    this.text += chunk;
    for (const waiter of [...this.#waiters]) {
      const match = this.text.match(waiter.pattern);
      if (match) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  }

  /** Resolves when the output matches; the test's own timeout bounds the wait. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const match = this.text.match(pattern);
    if (match) return Promise.resolve(match);
    return new Promise((resolveMatch) => this.#waiters.push({ pattern, resolve: resolveMatch }));
  }
}

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout and stderr together. */
  readonly output: Output;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running `livewatch <args>` (e.g. `start`). */
export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
  });
  const output = new Output();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const running: RunningCli = {
    child,
    output,
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((resolveExit) =>
        child.once('exit', (code) => resolveExit(code)),
      );
      child.kill('SIGTERM');
      return exited;
    },
  };
  return running;
}
