import { open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { retryWhileHeld } from '../state/replace-file.js';
import { toCsvLogRow, type CsvLogRow, type LogTarget } from './csv-log-rows.js';
import { CsvRecordReader } from './csv-records.js';
import {
  UploadLogIndexer,
  type KeptHashes,
  type LoggedUpload,
  type UploadLogIndex,
} from './csv-log-index.js';

export type { LoggedUpload } from './csv-log-index.js';

/** The lock file that serialises the writers and the rotation of the log at `logPath`. */
export function logLockPath(logPath: string): string {
  return `${logPath}.lock`;
}

/**
 * Where a run that could not write the log at `logPath` (another program held it) leaves its rows:
 * `<name>.pending-<pid><ext>` beside it.
 */
export function sidecarPath(logPath: string, pid: number = process.pid): string {
  const { dir, name, ext } = path.parse(logPath);
  return path.join(dir, `${name}.pending-${pid}${ext || '.csv'}`);
}

/** The sidecars of the log at `logPath` that exist now, oldest first. */
export async function listSidecars(logPath: string): Promise<string[]> {
  const { dir, name, ext } = path.parse(logPath);
  const pattern = new RegExp(`^${escapeRegExp(name)}\\.pending-\\d+${escapeRegExp(ext || '.csv')}$`);
  const names = await readdir(dir || '.').catch(() => [] as string[]);
  const found = names.filter((entry) => pattern.test(entry)).map((entry) => path.join(dir, entry));
  const dated = await Promise.all(
    found.map(async (file) => ({ file, mtimeMs: (await stat(file).catch(() => undefined))?.mtimeMs })),
  );
  return dated
    .filter((entry) => entry.mtimeMs !== undefined)
    .sort((a, b) => a.mtimeMs! - b.mtimeMs! || a.file.localeCompare(b.file))
    .map((entry) => entry.file);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Reads the CSV log at `path` and then its sidecars (rows a run could not add to the log), in order. A sidecar
 * that cannot be read is left out: its files are then checked against the bucket, which is slower, not wrong.
 * @throws ConfigError when the log exists but cannot be read.
 */
export async function readCsvLog(path: string): Promise<CsvLogRow[]> {
  const rows = await readCsvLogFile(path);
  for (const sidecar of await listSidecars(path)) {
    rows.push(...(await readCsvLogFile(sidecar).catch(() => [])));
  }
  return rows;
}

/**
 * Reads every well-formed row of the one CSV file at `path`, in file order. Skips the header, rows with
 * the wrong number of columns or unparsable numbers, and a torn last line; keeps the rows read before
 * any damage the parser cannot get past. Returns [] when the file does not exist.
 * @throws ConfigError when the file exists but cannot be read.
 */
export async function readCsvLogFile(path: string): Promise<CsvLogRow[]> {
  let content: Buffer;
  try {
    content = await retryWhileHeld(() => readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw readFailed(path, error);
  }
  return parseRecords(content).flatMap((record) => toCsvLogRow(record) ?? []);
}

function parseRecords(content: Buffer): string[][] {
  const records: string[][] = [];
  const reader = new CsvRecordReader((record) => records.push(record));
  reader.push(content.toString('utf8'));
  reader.end();
  return records;
}

/**
 * Returns the objects the CSV log at `path` (with its sidecars) records as present in `target`, by key:
 * the latest `uploaded` or `skipped` row of a key wins (a skip is logged only after the bucket, or an earlier
 * log row, showed the same file there), and a later `failed` row for the key removes it. A row without a hash
 * keeps the hashes an earlier row recorded for the same size and mtime. Rows of other endpoints or buckets,
 * and rows without a target (from logs older than the target columns), never count. Returns an empty map
 * when the log does not exist.
 * @throws ConfigError when the log exists but cannot be read.
 */
export async function parseUploadedKeysFromLog(
  path: string,
  target: LogTarget,
): Promise<Map<string, LoggedUpload>> {
  return (await readUploadLog(path, target, { hashes: 'all' })).uploads;
}

/**
 * Reads the CSV log at `path` and then its sidecars once, as a stream, into what a run needs of it (see
 * {@link UploadLogIndex}): what {@link parseUploadedKeysFromLog} returns, the latest skips the run need not
 * repeat, and the counts that decide a rotation. The entries carry size and mtime, what a run decides by, and the
 * hashes `hashes` names: a run keeps the ETag, which it compares with a listing's, not the SHA-256 (at 100,000
 * keys some 9 MB that nothing reads). Memory grows with the objects the log describes, not with its rows. An
 * empty index when the log does not exist.
 * @throws ConfigError when the log exists but cannot be read.
 */
export async function readUploadLog(
  path: string,
  target: LogTarget,
  { hashes = 'none' }: { hashes?: KeptHashes } = {},
): Promise<UploadLogIndex> {
  const indexer = new UploadLogIndexer(target, hashes);
  await forEachRecord(path, (record) => indexer.add(toCsvLogRow(record)));
  indexer.endOfLogFile();
  for (const sidecar of await listSidecars(path)) {
    await forEachRecord(sidecar, (record) => indexer.add(toCsvLogRow(record))).catch(() => undefined);
  }
  return indexer.index();
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Calls `onRecord` with each CSV record of the file at `path`: a log of up to one read chunk in one read (a
 * stream's machinery costs a rerun more than its whole log does), a longer one as a stream, so memory stays
 * flat whatever the log's length. Damage the parser cannot get past ends the read, as in {@link readCsvLogFile}.
 * Nothing when the file does not exist.
 * @throws ConfigError when the file exists but cannot be read.
 */
async function forEachRecord(path: string, onRecord: (record: string[]) => void): Promise<void> {
  const handle = await openLog(path);
  if (!handle) return;
  const reader = new CsvRecordReader(onRecord);
  try {
    if ((await handle.stat()).size <= READ_CHUNK_BYTES) reader.push(await handle.readFile('utf8'));
    else await streamInto(reader, handle);
  } catch (error) {
    throw readFailed(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
  reader.end();
}

async function streamInto(reader: CsvRecordReader, handle: FileHandle): Promise<void> {
  const source = handle.createReadStream({
    encoding: 'utf8',
    highWaterMark: READ_CHUNK_BYTES,
    autoClose: false,
  });
  try {
    for await (const chunk of source) reader.push(chunk as string);
  } finally {
    source.destroy();
  }
}

async function openLog(path: string): Promise<FileHandle | undefined> {
  try {
    return await retryWhileHeld(() => open(path, 'r'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw readFailed(path, error);
  }
}

function readFailed(path: string, error: unknown): ConfigError {
  // a usage problem (a folder, no permission), found before anything is sent: exit code 2, like opening it
  return new ConfigError(
    `read CSV log ${path}: ${String(error)}; check --log-csv / log_csv and its permissions`,
    { cause: error },
  );
}
