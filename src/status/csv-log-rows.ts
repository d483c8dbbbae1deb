import type { FileOutcome, FileResult } from './status-tracker.js';
import { formatCount } from './format.js';

/**
 * The columns of the CSV log, in file order; the header line lists exactly these. `endpoint` and `bucket`
 * came last so that logs written before them still read: their 11-column rows have no target.
 */
export const CSV_LOG_COLUMNS = [
  'time',
  'file',
  'key',
  'size_bytes',
  'mtime_ms',
  'outcome',
  'reason',
  'sha256',
  'etag',
  'seconds',
  'error',
  'endpoint',
  'bucket',
] as const;

/** The store a row is about: `endpointId(...)` of the endpoint, and the bucket name. */
export interface LogTarget {
  endpoint: string;
  bucket: string;
}

/**
 * One parsed row of the CSV log: a {@link FileResult} with its time, the path under `file`; empty optional
 * columns are absent. `target` is absent in rows from logs older than the target columns.
 */
export type CsvLogRow = Omit<FileResult, 'group' | 'path' | 'outcome'> & {
  time: string;
  file: string;
  outcome: LogOutcome;
  target?: LogTarget;
};

/**
 * A row's outcome: a file's, or `unchanged`, the one row a run writes for all the files it skipped because the log
 * already said they were sent. Readers take only file outcomes, so they pass over it (older versions too).
 */
export type LogOutcome = FileOutcome | 'unchanged';

/**
 * The row that stands for `files` skipped files of `bytes` in all that the log already showed as sent: under the
 * run's folder and key prefix, with their count in the reason.
 */
export function unchangedRow(
  scope: { folder: string; keyPrefix: string },
  files: number,
  bytes: number,
  target: LogTarget,
  timeMs: number,
): CsvLogRow {
  return {
    time: new Date(timeMs).toISOString(),
    file: scope.folder,
    key: scope.keyPrefix,
    sizeBytes: bytes,
    mtimeMs: 0,
    outcome: 'unchanged',
    reason: `${formatCount(files, 'file')} unchanged since this log recorded them; not listed again`,
    seconds: 0,
    target,
  };
}

/**
 * The header line, ending in a newline, after a UTF-8 byte-order mark: without one, Excel (which a field crew
 * opens the log with) reads the file in the ANSI code page and garbles every name outside ASCII.
 */
export const HEADER_LINE = `\uFEFF${CSV_LOG_COLUMNS.join(',')}\n`;

const OUTCOMES: readonly string[] = ['uploaded', 'skipped', 'failed'] satisfies FileOutcome[];
const COLUMNS_BEFORE_TARGET = CSV_LOG_COLUMNS.indexOf('endpoint');

/** The row the log records for `result`, of `target`, at `timeMs`. */
export function toRow(result: FileResult, target: LogTarget, timeMs: number): CsvLogRow {
  const { path: file, group, ...row } = result;
  void group; // a log row names the file and key; the group is the status file's business
  return { ...row, file, time: new Date(timeMs).toISOString(), target };
}

/** The fields of one row, in {@link CSV_LOG_COLUMNS} order. */
export function toCsvRecord(row: CsvLogRow): string[] {
  return [
    row.time,
    row.file,
    row.key,
    String(row.sizeBytes),
    String(row.mtimeMs),
    row.outcome,
    row.reason,
    row.sha256 ?? '',
    row.etag ?? '',
    String(row.seconds),
    row.error ?? '',
    row.target?.endpoint ?? '',
    row.target?.bucket ?? '',
  ];
}

/**
 * `rows` as CSV lines, each ending in a newline; '' for none. The same text as csv-stringify's defaults (a field
 * with a comma, quote or line break quoted, quotes doubled), written directly: a rerun logs every skip, and the
 * general writer allocated several times each row's size doing it.
 */
export function formatRows(rows: readonly CsvLogRow[]): string {
  let text = '';
  for (const row of rows) text += formatRow(row);
  return text;
}

/** A whole log file's text, header first, a line at a time: a rotated log of 100,000 rows is never one string. */
export function* logFileLines(rows: Iterable<CsvLogRow>): Generator<string> {
  yield HEADER_LINE;
  for (const row of rows) yield formatRow(row);
}

function formatRow(row: CsvLogRow): string {
  return `${toCsvRecord(row).map(csvField).join(',')}\n`;
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The row a parsed CSV record stands for, or undefined for the header, a record of another width than the
 * current or the pre-target layout, an unknown outcome or an unparsable number.
 */
export function toCsvLogRow(record: string[]): CsvLogRow | undefined {
  const width = record.length;
  if ((width !== CSV_LOG_COLUMNS.length && width !== COLUMNS_BEFORE_TARGET) || record[0] === 'time') {
    return undefined;
  }
  // by position, not through an object of columns: a rerun reads this for every row of the log
  const [time = '', file = '', key = '', size = '', mtime = '', outcome = '', reason = ''] = record;
  const [sha256 = '', etag = '', secondsText = '', error = '', endpoint = '', bucket = ''] = record.slice(7);
  const sizeBytes = parseNumber(size);
  const mtimeMs = parseNumber(mtime);
  const seconds = parseNumber(secondsText);
  if (!isOutcome(outcome) || !Number.isFinite(sizeBytes + mtimeMs + seconds)) return undefined;
  const row: CsvLogRow = { time, file, key, sizeBytes, mtimeMs, outcome, reason, seconds };
  if (sha256 !== '') row.sha256 = sha256;
  if (etag !== '') row.etag = etag;
  if (error !== '') row.error = error;
  if (endpoint !== '' || bucket !== '') row.target = { endpoint, bucket };
  return row;
}

function isOutcome(text: string): text is FileOutcome {
  return OUTCOMES.includes(text);
}

function parseNumber(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

/** True when `row` is about `target`; a row without a target is about none. */
export function isRowOf(row: CsvLogRow, target: LogTarget): boolean {
  return row.target?.endpoint === target.endpoint && row.target.bucket === target.bucket;
}

/**
 * The last row of each object (endpoint, bucket and key) not failed since, in order of last mention, carrying
 * the hashes an earlier row of the same file (same size and mtime) had: what the log says is in each bucket. A
 * failed row with an ETag (the object that failed the check after its upload) is kept until a row that is no failure.
 * Rows without a target count as one more target of their own.
 */
export function latestRowPerKey(rows: readonly CsvLogRow[]): CsvLogRow[] {
  const latest = new Map<string, CsvLogRow>();
  for (const row of rows) {
    const id = `${row.target?.endpoint ?? ''}\n${row.target?.bucket ?? ''}\n${row.key}`;
    const latestRow = latest.get(id);
    latest.delete(id); // re-inserted last, so the order is that of last mention
    if (row.outcome === 'failed') {
      // the object a check failed stays named through later failures of other kinds
      const named = row.etag !== undefined ? row : latestRow?.outcome === 'failed' ? latestRow : undefined;
      if (named) latest.set(id, named);
      continue;
    }
    const previous = latestRow?.outcome === 'failed' ? undefined : latestRow;
    const sameFile = previous?.sizeBytes === row.sizeBytes && previous.mtimeMs === row.mtimeMs;
    const sha256 = row.sha256 ?? (sameFile ? previous.sha256 : undefined);
    const etag = row.etag ?? (sameFile ? previous.etag : undefined);
    latest.set(id, { ...row, ...(sha256 ? { sha256 } : {}), ...(etag ? { etag } : {}) });
  }
  return [...latest.values()];
}
