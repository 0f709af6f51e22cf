/**
 * Where `npm start` writes: the console (stdout) reads like an on-call channel — the banner, the
 * chat messages of the local sinks, one line per decision (narrate-history.ts) — while the log
 * goes to `.livewatch/livewatch.log` under the project root (path in the banner), or to stderr with
 * `--log-stderr`, in LIVEWATCH_LOG_FORMAT. Colour only on a terminal, and never with NO_COLOR.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../lib/config/config.js';
import { createLogger, type Logger } from '../lib/log.js';

export interface StartConsole {
  readonly log: Logger;
  /** What the banner prints: the log file (relative to the working directory) or "stderr". */
  readonly destination: string;
  readonly colour: boolean;
  close(): Promise<void>;
}

export function openStartConsole(options: {
  readonly root: string;
  readonly config: Pick<Config, 'LIVEWATCH_LOG_LEVEL' | 'LIVEWATCH_LOG_FORMAT'>;
  readonly toStderr: boolean;
}): StartConsole {
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const level = options.config.LIVEWATCH_LOG_LEVEL;
  const format = options.config.LIVEWATCH_LOG_FORMAT;
  if (options.toStderr) {
    return { log: createLogger({ level, format }), destination: 'stderr', colour, close: async () => {} };
  }
  const path = join(options.root, '.livewatch', 'livewatch.log');
  mkdirSync(join(options.root, '.livewatch'), { recursive: true });
  const file = createWriteStream(path, { flags: 'a', mode: 0o600 });
  return {
    log: createLogger({ level, format, sink: (line) => file.write(`${line}\n`) }),
    destination: `${relative(process.cwd(), path) || path} (${format}; --log-stderr for stderr)`,
    colour,
    close: () => new Promise<void>((resolve) => file.end(resolve)),
  };
}
