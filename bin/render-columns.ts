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
