import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../errors.js';
import { replaceFile } from '../state/replace-file.js';
import type { LeftOutFile } from './left-out.js';

/** The columns of a left-out list, in file order. */
export const LEFT_OUT_COLUMNS = ['file', 'reason', 'detail'] as const;

/**
 * Writes what the plan left out (`--log-left-out <file>`) as a CSV file of its own, replaced at each run: the upload
 * log records what each object holds and decides reruns from it, while a left-out entry has no object; keeping the
 * two apart keeps the upload log's readers simple and the list complete. Written atomically.
 * @throws ConfigError when the file cannot be written.
 */
export async function writeLeftOutList(file: string, leftOut: readonly LeftOutFile[]): Promise<void> {
  const rows = leftOut.map((entry) => [entry.path, entry.reason, entry.detail ?? '']);
  try {
    await replaceFile(file, stringify([[...LEFT_OUT_COLUMNS], ...rows]));
  } catch (error) {
    throw new ConfigError(
      `write left-out list ${file}: ${String((error as Error)?.message ?? error)}; check --log-left-out and its folder`,
      { cause: error },
    );
  }
}
