/**
 * Why a store could not be opened, in words a person acts on, from the vendor error's code:
 * `connection refused (ECONNREFUSED)`, `permission denied: /srv/state (EACCES)`,
 * `/tmp/x is a file, not a directory (EEXIST)`. Unknown causes keep their own message.
 */
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EEXIST: 'is a file, not a directory',
  ENOSPC: 'no space left on the device',
  SQLITE_CANTOPEN: 'cannot open the database file',
  SQLITE_NOTADB: 'not an SQLite database',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_CORRUPT: 'the database file is corrupt',
};

export function describeStoreCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const { code, path } = cause as { code?: unknown; path?: unknown };
  // Redis answers authentication failures in the message: "WRONGPASS invalid username-password pair".
  const replyCode = /^(WRONGPASS|NOAUTH|NOPERM)\b/.exec(cause.message)?.[1];
  if (replyCode !== undefined) return `authentication failed: check the user and password (${replyCode})`;
  const known = typeof code === 'string' ? REASONS[code] : undefined;
  if (known === undefined) return cause.message;
  const where = typeof path === 'string' ? (code === 'EEXIST' ? `${path} ` : `: ${path}`) : '';
  return code === 'EEXIST' ? `${where}${known} (${code})` : `${known}${where} (${code})`;
}
