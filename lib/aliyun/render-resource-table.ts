import { redact } from '../redact.js';

/**
 * Plain-text rendering shared by the `tasks` and `jobs` commands: an aligned table whose cells
 * never carry a full stream URL (auth keys live in query strings): sources are shown by host only,
 * and every cell passes through `redact`.
 */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const clean = rows.map((row) => row.map((cell) => redact(cell).replaceAll(/\s+/g, ' ')));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...clean.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...clean.map(line)].join('\n');
}

/**
 * Where a source comes from, without path, query or credentials: `rtmp://u:p@host:1935/app?auth_key=…`
 * → `host:1935`. A value that is not a URL (a VOD media id) is shown shortened.
 */
export function sourceHostOf(source: string | undefined): string {
  if (source === undefined || source === '') return '-';
  try {
    const url = new URL(source);
    if (url.host !== '') return url.host;
  } catch {
    // Not a URL: a VOD media id or a bare name; fall through to the shortened form.
  }
  const bare = source.split(/[?#]/)[0] ?? '';
  return bare.length > 40 ? `${bare.slice(0, 37)}...` : bare;
}

/** Masks the secret-bearing parts of every URL-ish string in a resource, for `--json` output. */
export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
