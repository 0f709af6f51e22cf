import { redact } from '../lib/redact.js';

/**
 * Aligned plain-text columns for the `sweep` and `status` reports: the first row is the header,
 * cells are padded to their column's widest cell, two spaces apart, trailing spaces trimmed.
 * Cells are printed as given (the callers redact the whole report once).
 */
export function renderColumns(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The `tasks` and `jobs` tables: the same columns, with every cell passed through `redact` and
 * folded onto one line, since a resource's fields come from the cloud (a name may carry a URL with
 * an auth key in its query string).
 */
export function renderResourceTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): string {
  return renderColumns([
    [...headers],
    ...rows.map((row) => row.map((cell) => redact(cell).replaceAll(/\s+/g, ' '))),
  ]);
}
