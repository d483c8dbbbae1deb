import fs from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../errors.js';
import { CSV_LOG_COLUMNS, latestRowPerKey, readCsvLog, toCsvRecord, type CsvLogRow } from './csv-log.js';

/** When to rotate: the log holds more than `factor` rows per key it still describes, and at least `minRows`. */
export interface RotationPolicy {
  minRows: number;
  factor: number;
}

export const DEFAULT_ROTATION: RotationPolicy = { minRows: 20_000, factor: 3 };

/**
 * Keeps the CSV log from growing without bound. Every rerun appends a row per file (most of them "skipped"),
 * and every run parses the whole log, so a nightly rerun of 100,000 files would add 100,000 rows a night to
 * what the next run reads. When the log grows past `policy`, it moves to `<name>.old<ext>` (replacing an
 * earlier one) and a new log starts with {@link latestRowPerKey}, the rows {@link parseUploadedKeysFromLog}
 * decides from, so the next run decides exactly as it would have.
 * A crash between the two renames leaves no log: the next run then asks the bucket, which is slower, not wrong.
 * Returns the path of the old log when it rotated.
 * @throws ConfigError when the log cannot be read or rewritten.
 */
export async function rotateCsvLogIfLarge(
  logPath: string,
  policy: RotationPolicy = DEFAULT_ROTATION,
): Promise<string | undefined> {
  const rows = await readCsvLog(logPath);
  const kept = latestRowPerKey(rows);
  if (rows.length < policy.minRows || rows.length <= kept.length * policy.factor) return undefined;
  const { dir, name, ext } = path.parse(logPath);
  const oldPath = path.join(dir, `${name}.old${ext}`);
  const tempPath = path.join(dir, `${name}.rotating-${process.pid}${ext}`);
  try {
    writeRowsSync(tempPath, kept);
    await rename(logPath, oldPath);
    await rename(tempPath, logPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw new ConfigError(
      `rotate CSV log ${logPath}: ${String(error)}; check the folder's free space and permissions, or move the log`,
      { cause: error },
    );
  }
  return oldPath;
}

function writeRowsSync(file: string, rows: CsvLogRow[]): void {
  const records = rows.map(toCsvRecord);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, stringify([[...CSV_LOG_COLUMNS], ...records]));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
