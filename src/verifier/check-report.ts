import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../errors.js';
import { escapeControls } from '../status/control-escapes.js';
import { formatCount } from '../status/format.js';
import { describePathError } from '../status/output-paths.js';
import type { CheckRow, CheckStatus } from './check-plan.js';
import { timestampFolderOf } from '../transfer/left-behind-folders.js';

const STATUSES: readonly CheckStatus[] = [
  'proven',
  'settings-differ',
  'missing',
  'different',
  'unproven',
  'extra',
];

/** How many rows have each status. */
export function countStatuses(rows: readonly CheckRow[]): Record<CheckStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  for (const row of rows) counts[row.status] += 1;
  return counts;
}

/**
 * The lines a person reads: each row that is not proven (every row with `all`, control characters of names
 * escaped), then a summary line.
 */
export function formatCheckText(
  rows: readonly CheckRow[],
  target: string,
  options: { all: boolean; quiet: boolean; downloaded?: boolean; projectPrefix?: string },
): string[] {
  const prefix = options.projectPrefix ?? '';
  const shown = options.quiet ? [] : rows.filter((row) => options.all || row.status !== 'proven');
  const folders =
    options.all || options.quiet ? new Map<string, number>() : otherTimestampFolders(rows, prefix);
  const inFolder = (row: CheckRow): boolean =>
    row.status === 'extra' && folders.has(timestampFolderOfKey(row.key, prefix) ?? '');
  const lines = shown
    .filter((row) => !inFolder(row))
    .map((row) => escapeControls(`${row.status.padEnd(9)} ${row.key || row.file}: ${row.reason}`));
  for (const [folder, count] of folders)
    lines.push(
      escapeControls(
        `${'extra'.padEnd(9)} ${folder}: ${formatCount(count, 'object')} in a timestamp folder no planned file maps to (an earlier --timestamp run's)`,
      ),
    );
  const c = countStatuses(rows);
  const files = rows.length - c.extra;
  lines.push(
    `Check ${target}: ${formatCount(files, 'file')}: ${c.proven} proven, ${c.missing} missing, ${c.different} different, ` +
      `${c.unproven} unproven${unprovenHint(c.unproven, options.downloaded ?? false)}` +
      `${settingsCount(c['settings-differ'])}; ${formatCount(c.extra, 'extra object')}`,
  );
  return lines;
}

/** `{project}/{type}/{timestamp}/`, the folder a key sits in when a `--timestamp` run put it there. */
function timestampFolderOfKey(key: string, projectPrefix: string): string | undefined {
  const timestamp = timestampFolderOf(key, projectPrefix);
  return timestamp === undefined
    ? undefined
    : key.slice(0, key.indexOf(`/${timestamp}/`) + timestamp.length + 2);
}

/**
 * The timestamp folders whose objects are all extra, with their counts: one line each rather than one per object,
 * since a project uploaded nightly with `--timestamp` has hundreds. A folder holding a planned file is this run's,
 * and its extra objects are shown one by one.
 */
function otherTimestampFolders(rows: readonly CheckRow[], projectPrefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  const planned = new Set<string>();
  for (const row of rows) {
    const folder = row.key === '' ? undefined : timestampFolderOfKey(row.key, projectPrefix);
    if (folder === undefined) continue;
    if (row.status !== 'extra') planned.add(folder);
    else counts.set(folder, (counts.get(folder) ?? 0) + 1);
  }
  for (const folder of planned) counts.delete(folder);
  return counts;
}

/** How a check proves what nothing stored does: reading the objects back, which it did not do yet. */
function unprovenHint(count: number, downloaded: boolean): string {
  return count > 0 && !downloaded ? ' (check --download reads them back and hashes them)' : '';
}

/** Shown only when some object differs, with the way to fix them: a check without settings reads as before. */
function settingsCount(count: number): string {
  return count > 0
    ? `, ${count} with other settings (upload --fix-settings rewrites them in place, where the server offers those settings)`
    : '';
}

/** One JSON object per row, then a summary object: for `--json`. */
export function formatCheckJson(rows: readonly CheckRow[]): string[] {
  const lines = rows.map((row) => JSON.stringify({ type: 'check', ...row }));
  lines.push(JSON.stringify({ type: 'check-summary', ...countStatuses(rows) }));
  return lines;
}

/**
 * Writes every row to `path` as CSV with the columns key, file, status, reason.
 * @throws ConfigError when the file cannot be written.
 */
export async function writeCheckReport(path: string, rows: readonly CheckRow[]): Promise<void> {
  const records = [
    ['key', 'file', 'status', 'reason'],
    ...rows.map((r) => [r.key, r.file, r.status, r.reason]),
  ];
  await writeFile(path, stringify(records, { bom: true })).catch((error: unknown) => {
    throw new ConfigError(
      `write check report ${path}: ${describePathError(error)}; close it if another program (Excel) has it open, or pass another --report path`,
      { cause: error },
    );
  });
}
