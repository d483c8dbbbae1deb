/** How a column lines up: text left, numbers right. */
export type ColumnAlign = 'left' | 'right';

/**
 * Lays out `rows` (the first is the header) as plain-text columns separated by two spaces, with a
 * dashed rule under the header. Missing alignments default to left. Uses ASCII only, so the table
 * reads the same in any console code page.
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  align: readonly ColumnAlign[] = [],
): string[] {
  const widths = columnWidths(rows);
  const lines = rows.map((row) => formatRow(row, widths, align));
  const rule = formatRow(
    widths.map((width) => '-'.repeat(width)),
    widths,
    align,
  );
  return rows.length === 0 ? [] : [lines[0] ?? '', rule, ...lines.slice(1)];
}

function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return widths;
}

function formatRow(row: readonly string[], widths: readonly number[], align: readonly ColumnAlign[]): string {
  const cells = widths.map((width, i) => {
    const cell = row[i] ?? '';
    return align[i] === 'right' ? cell.padStart(width) : cell.padEnd(width);
  });
  return cells.join('  ').trimEnd();
}
