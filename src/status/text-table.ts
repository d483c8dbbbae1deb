import { displayWidth, wrapWords } from './display-width.js';

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
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  }
  return widths;
}

function formatRow(row: readonly string[], widths: readonly number[], align: readonly ColumnAlign[]): string {
  const cells = widths.map((width, i) => {
    const cell = row[i] ?? '';
    const pad = ' '.repeat(Math.max(0, width - displayWidth(cell)));
    return align[i] === 'right' ? pad + cell : cell + pad;
  });
  return cells.join('  ').trimEnd();
}

/**
 * `rows` as {@link formatTable} lays them out when every line fits in `width` columns, or when there is no width
 * (a file or a pipe, where lines are never broken and scripts read the columns). Otherwise each row after the header
 * becomes a record, `<first cell>: <header> <cell>, <header> <cell>`, broken between its cells and indented by two
 * spaces after its first line, so that no terminal cuts a number in two.
 */
export function formatTableToFit(
  rows: readonly (readonly string[])[],
  align: readonly ColumnAlign[] = [],
  width?: number,
): string[] {
  const table = formatTable(rows, align);
  if (width === undefined || table.every((line) => displayWidth(line) <= width)) return table;
  const [header = [], ...body] = rows;
  return body.flatMap((row) => formatRecord(header, row, width));
}

/** `logs: uploaded 15 (182 B), skipped 0 (0 B), failed 0 (0 B)` in lines of at most `width` columns. */
function formatRecord(header: readonly string[], row: readonly string[], width: number): string[] {
  const [name = '', ...cells] = row;
  const last = cells.length - 1;
  const pieces = cells.map((cell, i) => {
    const labelled = [header[i + 1] ?? '', cell].filter((text) => text !== '').join(' ');
    return i < last ? `${labelled},` : labelled;
  });
  return fillLines([`${name}:`, ...pieces], width);
}

/**
 * `pieces` joined by spaces into lines of at most `width` columns, a piece going on the next line (indented) when
 * it does not fit on this one; a piece no line holds is broken at its spaces (see wrapWords).
 */
function fillLines(pieces: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line: string | undefined;
  for (const piece of pieces) {
    if (line !== undefined && displayWidth(`${line} ${piece}`) <= width) {
      line = `${line} ${piece}`;
      continue;
    }
    if (line !== undefined) lines.push(line);
    const wrapped = wrapWords(line === undefined ? piece : `  ${piece}`, width);
    line = wrapped.pop();
    lines.push(...wrapped);
  }
  if (line !== undefined) lines.push(line);
  return lines;
}
