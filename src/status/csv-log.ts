import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse, type Options as ParseOptions } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { ConfigError, SourceError } from '../errors.js';
import type { FileOutcome, FileResult } from './status-tracker.js';

/** The columns of the CSV log, in file order; the header line lists exactly these. */
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
] as const;

/** An open CSV log. Started by {@link openCsvLog}; `close` is its stop function. */
export interface CsvLog {
  /**
   * Writes one row with a single synchronous append, so a crash can tear only the last line.
   * @throws SourceError when the write fails (disk full, file gone); Error after `close`.
   */
  append(result: FileResult): void;
  /** Flushes to disk and closes; calling it again does nothing. */
  close(): Promise<void>;
}

/** One parsed row of the CSV log: a {@link FileResult} with its time, the path under `file`; empty optional columns are absent. */
export type CsvLogRow = Omit<FileResult, 'group' | 'path'> & { time: string; file: string };

/** What the log says about an uploaded object, for resume decisions. */
export interface LoggedUpload {
  sizeBytes: number;
  mtimeMs: number;
  sha256?: string;
  etag?: string;
}

type CsvLogColumn = (typeof CSV_LOG_COLUMNS)[number];

const OUTCOMES: readonly string[] = ['uploaded', 'skipped', 'failed'] satisfies FileOutcome[];
const HEADER_LINE = stringify([[...CSV_LOG_COLUMNS]]);
const QUOTE = 0x22;
const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1024 * 1024;
const PARSE_OPTIONS: ParseOptions = {
  bom: true,
  relax_column_count: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
};

const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);
const fsyncFd = promisify(fs.fsync);
const fstatFd = promisify(fs.fstat);
const readFd = promisify(fs.read);

/**
 * Opens (creating if needed) the CSV log at `path` for appending. Writes the header when the file is
 * new or empty. When a crash left the file without a final newline, starts a new line first, and
 * closes a quoted field the crash left open so the torn row cannot swallow the rows after it.
 * @throws ConfigError when the file cannot be opened or read.
 */
export async function openCsvLog(path: string, options: { now?: () => number } = {}): Promise<CsvLog> {
  const fd = await openFd(path, 'a+').catch((error: unknown) => {
    throw openError(path, error);
  });
  try {
    writeAll(fd, await repairPrefix(fd));
  } catch (error) {
    await closeFd(fd).catch(() => undefined);
    throw openError(path, error);
  }
  return createCsvLog(path, fd, options.now ?? Date.now);
}

function openError(path: string, error: unknown): ConfigError {
  return new ConfigError(`open CSV log ${path}: ${String(error)}; check the log path and its permissions`, {
    cause: error,
  });
}

function createCsvLog(path: string, fd: number, now: () => number): CsvLog {
  let closed = false;
  return {
    append(result) {
      if (closed) throw new Error(`append to CSV log ${path}: the log is already closed`);
      try {
        writeAll(fd, stringify([toCsvRecord(toRow(result, now()))]));
      } catch (error) {
        throw new SourceError(`write CSV log ${path}: ${String(error)}; check free disk space`, {
          cause: error,
        });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await fsyncFd(fd).finally(() => closeFd(fd));
    },
  };
}

/** Returns what to write before the first new row: a header, a repair of a torn tail, or nothing. */
async function repairPrefix(fd: number): Promise<string> {
  const { size } = await fstatFd(fd);
  if (size === 0) return HEADER_LINE;
  const { quoteCount, lastByte } = await scanQuotes(fd, size);
  // Our writer always doubles quotes, so an odd count means the last field was cut inside quotes.
  if (quoteCount % 2 === 1) return '"\n';
  return lastByte === NEWLINE ? '' : '\n';
}

async function scanQuotes(fd: number, sizeBytes: number): Promise<{ quoteCount: number; lastByte: number }> {
  const buffer = Buffer.alloc(Math.min(READ_CHUNK_BYTES, sizeBytes));
  let quoteCount = 0;
  let lastByte = -1;
  for (let position = 0; position < sizeBytes;) {
    const { bytesRead } = await readFd(fd, buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) if (buffer[i] === QUOTE) quoteCount += 1;
    lastByte = buffer[bytesRead - 1] ?? -1;
    position += bytesRead;
  }
  return { quoteCount, lastByte };
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length;) {
    offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
  }
}

function toRow(result: FileResult, timeMs: number): CsvLogRow {
  const { path: file, group, ...row } = result;
  void group; // a log row names the file and key; the group is the status file's business
  return { ...row, file, time: new Date(timeMs).toISOString() };
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
  ];
}

/**
 * Reads every well-formed row of the CSV log at `path`, in file order. Skips the header, rows with
 * the wrong number of columns or unparsable numbers, and a torn last line; keeps the rows read before
 * any damage the parser cannot get past. Returns [] when the file does not exist.
 * @throws ConfigError when the file exists but cannot be read.
 */
export async function readCsvLog(path: string): Promise<CsvLogRow[]> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    // a usage problem (a folder, no permission), found before anything is sent: exit code 2, like opening it
    throw new ConfigError(
      `read CSV log ${path}: ${String(error)}; check --log-csv / log_csv and its permissions`,
      { cause: error },
    );
  }
  return (await parseRecords(content)).flatMap((record) => toCsvLogRow(record) ?? []);
}

async function parseRecords(content: Buffer): Promise<string[][]> {
  const parser = parse(PARSE_OPTIONS);
  parser.end(content);
  const records: string[][] = [];
  try {
    for await (const record of parser) records.push(record as string[]);
  } catch {
    // Damage the parser cannot skip ends the read; the rows before it are still good.
  }
  return records;
}

function toCsvLogRow(record: string[]): CsvLogRow | undefined {
  if (record.length !== CSV_LOG_COLUMNS.length || record[0] === CSV_LOG_COLUMNS[0]) return undefined;
  const field = Object.fromEntries(CSV_LOG_COLUMNS.map((name, i) => [name, record[i] ?? ''])) as Record<
    CsvLogColumn,
    string
  >;
  const sizeBytes = parseNumber(field.size_bytes);
  const mtimeMs = parseNumber(field.mtime_ms);
  const seconds = parseNumber(field.seconds);
  if (!isOutcome(field.outcome) || ![sizeBytes, mtimeMs, seconds].every(Number.isFinite)) return undefined;
  return {
    time: field.time,
    file: field.file,
    key: field.key,
    sizeBytes,
    mtimeMs,
    outcome: field.outcome,
    reason: field.reason,
    seconds,
    ...(field.sha256 === '' ? {} : { sha256: field.sha256 }),
    ...(field.etag === '' ? {} : { etag: field.etag }),
    ...(field.error === '' ? {} : { error: field.error }),
  };
}

function isOutcome(text: string): text is FileOutcome {
  return OUTCOMES.includes(text);
}

function parseNumber(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

/**
 * Returns the objects the CSV log at `path` records as present in the bucket, by key: the latest
 * `uploaded` or `skipped` row of a key wins (a skip is logged only after the bucket, or an earlier
 * log row, showed the same file there), and a later `failed` row for the key removes it. A row
 * without a hash keeps the hashes an earlier row recorded for the same size and mtime. Returns an
 * empty map when the log does not exist.
 * @throws ConfigError when the log exists but cannot be read.
 */
export async function parseUploadedKeysFromLog(path: string): Promise<Map<string, LoggedUpload>> {
  const rows = latestRowPerKey(await readCsvLog(path));
  return new Map(rows.map((row) => [row.key, toLoggedUpload(row)]));
}

/**
 * The last row of each key not failed since, in order of last mention, carrying the hashes an earlier row of the
 * same file (same size and mtime) had: what the log says is in the bucket.
 */
export function latestRowPerKey(rows: CsvLogRow[]): CsvLogRow[] {
  const latest = new Map<string, CsvLogRow>();
  for (const row of rows) {
    const previous = latest.get(row.key);
    latest.delete(row.key); // re-inserted last, so the order is that of last mention
    if (row.outcome === 'failed') continue;
    const sameFile = previous?.sizeBytes === row.sizeBytes && previous.mtimeMs === row.mtimeMs;
    const sha256 = row.sha256 ?? (sameFile ? previous.sha256 : undefined);
    const etag = row.etag ?? (sameFile ? previous.etag : undefined);
    latest.set(row.key, { ...row, ...(sha256 ? { sha256 } : {}), ...(etag ? { etag } : {}) });
  }
  return [...latest.values()];
}

function toLoggedUpload(row: CsvLogRow): LoggedUpload {
  return {
    sizeBytes: row.sizeBytes,
    mtimeMs: row.mtimeMs,
    ...(row.sha256 === undefined ? {} : { sha256: row.sha256 }),
    ...(row.etag === undefined ? {} : { etag: row.etag }),
  };
}
