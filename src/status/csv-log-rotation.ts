import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { withFileLock, type FileLockOptions } from '../state/file-lock.js';
import { isSharingViolation, replaceFile, retryWhileHeld, type RetryOptions } from '../state/replace-file.js';
import { logLockPath, readCsvLogFile } from './csv-log-read.js';
import { latestRowPerKey, logFileLines, type CsvLogRow } from './csv-log-rows.js';

/** When to rotate: the log holds more than `factor` rows per object it still describes, and at least `minRows`. */
export interface RotationPolicy {
  minRows: number;
  factor: number;
}

export const DEFAULT_ROTATION: RotationPolicy = { minRows: 20_000, factor: 3 };

/** Who hears that a rotation was put off, and how the log lock is taken. */
export interface RotationOptions {
  onWarning?: (message: string) => void;
  lock?: FileLockOptions;
  /** How the new log replaces the old one; tests inject failures here. */
  replace?: RetryOptions;
  /** What a read of the log just found (readUploadLog): the log is then read again only to rotate it. */
  counts?: { rows: number; objects: number } | undefined;
}

/**
 * Keeps the CSV log from growing without bound. Every rerun appends a row per file (most of them "skipped"),
 * and every run parses the whole log, so a nightly rerun of 100,000 files would add 100,000 rows a night to
 * what the next run reads. When the log grows past `policy`, it is copied to `<name>.old<ext>` (replacing an
 * earlier one) and replaced atomically by {@link latestRowPerKey}: the latest row of every object of every
 * endpoint, bucket and project in the file, so every run sharing the log decides exactly as it would have.
 * The rotation holds the log lock, so a run appending to the same log meanwhile waits and then appends to the
 * new file; no row is lost, and a crash at any moment leaves a whole log. Sidecars stay as they are: they are
 * read after the log, so they still win. When another program holds the log (Excel), the rotation is put off
 * to a later run and `onWarning` hears it.
 * Returns the path of the old log when it rotated.
 * @throws ConfigError when the log cannot be read or rewritten, or its lock cannot be taken.
 */
export async function rotateCsvLogIfLarge(
  logPath: string,
  policy: RotationPolicy = DEFAULT_ROTATION,
  options: RotationOptions = {},
): Promise<string | undefined> {
  // most runs do not rotate: decide without the lock first, and again under it
  const { counts } = options;
  if (counts ? !isPastPolicy(counts, policy) : !shouldRotate(await readCsvLogFile(logPath), policy))
    return undefined;
  try {
    return await withFileLock(
      logLockPath(logPath),
      () => rotateLocked(logPath, policy, options.replace),
      options.lock,
    );
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (!isSharingViolation(error)) throw rotateError(logPath, error);
    options.onWarning?.(
      `upload log ${logPath} is held by another program (Excel?); not rotated now, a later run tries again`,
    );
    return undefined;
  }
}

async function rotateLocked(
  logPath: string,
  policy: RotationPolicy,
  replace: RetryOptions = {},
): Promise<string | undefined> {
  const rows = await readCsvLogFile(logPath);
  const kept = shouldRotate(rows, policy);
  if (!kept) return undefined;
  const { dir, name, ext } = path.parse(logPath);
  const oldPath = path.join(dir, `${name}.old${ext}`);
  await retryWhileHeld(() => copyFile(logPath, oldPath));
  await replaceFile(logPath, logFileLines(kept), replace);
  return oldPath;
}

/** The rows to keep when `rows` are past `policy`, else undefined. */
function shouldRotate(rows: CsvLogRow[], policy: RotationPolicy): CsvLogRow[] | undefined {
  if (rows.length < policy.minRows) return undefined;
  const kept = latestRowPerKey(rows);
  return isPastPolicy({ rows: rows.length, objects: kept.length }, policy) ? kept : undefined;
}

function isPastPolicy({ rows, objects }: { rows: number; objects: number }, policy: RotationPolicy): boolean {
  return rows >= policy.minRows && rows > objects * policy.factor;
}

function rotateError(logPath: string, error: unknown): ConfigError {
  return new ConfigError(
    `rotate CSV log ${logPath}: ${String(error)}; check the folder's free space and permissions, or move the log`,
    { cause: error },
  );
}
