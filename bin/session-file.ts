/**
 * What a second terminal needs to reach a running `npm start`: the emulator's endpoint and key
 * pair, the store, the ports. `livewatch start` writes `.livewatch/session.json` under the project
 * root (0600: the key pair is the emulator's throwaway loopback pair) and removes it when it stops;
 * every other command fills the settings it lacks from it — but only when the environment names no
 * account of its own (no AccessKey, no endpoint) and the process that wrote it still runs.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface Session {
  readonly pid: number;
  readonly startedAt: string;
  /** Settings a command would otherwise need from the environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** The nearest directory from `cwd` up holding package.json or .livewatch/, else `cwd` itself. */
export function findProjectRoot(cwd: string = process.cwd()): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, '.livewatch'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

export function sessionPath(root: string = findProjectRoot()): string {
  return join(root, '.livewatch', 'session.json');
}

/**
 * Gives a relative default store the project root as its base, so `livewatch status` in a
 * subdirectory reads the store `npm start` writes instead of creating an empty one there.
 */
export function resolveDefaultStore(env: Record<string, string | undefined>, root: string): void {
  env.LIVEWATCH_STORE_URL ??= `sqlite:${join(root, '.livewatch', 'state.db')}`;
}

export function writeSessionFile(path: string, env: Record<string, string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const session: Session = { pid: process.pid, startedAt: new Date().toISOString(), env };
  writeFileSync(path, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  // mode applies only when the file is created; an older file keeps its own.
  chmodSync(path, 0o600);
}

/** Removes the file if this process wrote it (a newer `npm start` may have replaced it). */
export function removeSessionFile(path: string): void {
  if (readSession(path)?.pid === process.pid) rmSync(path, { force: true });
}

/**
 * Fills unset settings from a live session and says so on stderr. Returns the session used, if any.
 * An environment naming its own account or endpoint means "not the demo": the file is ignored.
 */
export function loadSessionFile(
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): Session | undefined {
  const root = findProjectRoot(cwd);
  const path = sessionPath(root);
  if (env.ALIBABA_CLOUD_ACCESS_KEY_ID === undefined && env.LIVEWATCH_LIVE_ENDPOINT === undefined) {
    const session = readSession(path);
    if (session !== undefined && isRunning(session.pid)) {
      for (const [name, value] of Object.entries(session.env)) env[name] ??= value;
      console.error(
        `livewatch: using the running \`livewatch start\` (pid ${session.pid}) from ${relative(cwd, path) || path}`,
      );
      resolveDefaultStore(env, root);
      return session;
    }
  }
  resolveDefaultStore(env, root);
  return undefined;
}

function readSession(path: string): Session | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // Missing or half-written: as if there were no session.
    return undefined;
  }
  return isSession(parsed) ? parsed : undefined;
}

/** Checked by hand rather than with zod: every command reads this file, and zod costs start-up time. */
function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const { pid, startedAt, env } = value as Record<string, unknown>;
  return (
    Number.isInteger(pid) &&
    typeof startedAt === 'string' &&
    typeof env === 'object' &&
    env !== null &&
    Object.values(env).every((item) => typeof item === 'string')
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
