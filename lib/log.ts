import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** `json`: one JSON object per line (FC ships stderr to SLS). `pretty`: `12:03:04 WARN msg key=value`. */
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the FC request id). */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON line per entry on stderr (FC ships stderr to SLS), every line redacted.
 * `sink` is injectable so tests can assert that no secret is ever written.
 */
export function createLogger(
  options: { level?: LogLevel; format?: LogFormat; sink?: (line: string) => void; base?: LogFields } = {},
): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'json';
  const sink = options.sink ?? ((line: string) => process.stderr.write(`${line}\n`));
  const base = options.base ?? {};
  const write = (lvl: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const entry = { time: new Date().toISOString(), level: lvl, msg: message, ...base, ...fields };
    sink(redact(format === 'pretty' ? prettyLine(entry) : JSON.stringify(entry, errorReplacer)));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ level, format, sink, base: { ...base, ...fields } }),
  };
}

/** `12:03:04 WARN  sweep skipped region=cn-shanghai error="…"`: for a person reading a terminal. */
function prettyLine(entry: { time: string; level: LogLevel; msg: string } & LogFields): string {
  const { time, level, msg, ...fields } = entry;
  const pairs = Object.entries(fields).map(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value, errorReplacer);
    return `${key}=${typeof value === 'string' && /[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
  });
  return [time.slice(11, 19), level.toUpperCase().padEnd(5), msg, ...pairs].join(' ');
}

/** A logger that drops everything (quiet CLI paths and tests that do not inspect logs). */
export const silentLogger: Logger = createLogger({ level: 'error', sink: () => {} });

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      ...(value.cause ? { cause: String(value.cause) } : {}),
    };
  }
  return value;
}
