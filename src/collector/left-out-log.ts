import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../errors.js';
import { isSharingViolation, replaceFile, type RetryOptions } from '../state/replace-file.js';
import type { LeftOutFile } from './left-out.js';

/** The columns of a left-out list, in file order. */
export const LEFT_OUT_COLUMNS = ['file', 'reason', 'detail'] as const;

/**
 * Writes what the plan left out (`--log-left-out <file>`) as a CSV file of its own, replaced at each run: the upload
 * log records what each object holds and decides reruns from it, while a left-out entry has no object; keeping the
 * two apart keeps the upload log's readers simple and the list complete. Written atomically. A list held open by
 * another program (Excel) past the retries is not worth the run: `onHeld` is told and the upload goes on.
 * @throws ConfigError when the file cannot be written for any other reason.
 */
export async function writeLeftOutList(
  file: string,
  leftOut: readonly LeftOutFile[],
  onHeld: (message: string) => void,
  retry: RetryOptions = {},
): Promise<void> {
  const rows = leftOut.map((entry) => [entry.path, entry.reason, entry.detail ?? '']);
  try {
    await replaceFile(file, stringify([[...LEFT_OUT_COLUMNS], ...rows], { bom: true }), retry);
  } catch (error) {
    if (isSharingViolation(error)) {
      onHeld(
        `left-out list ${file} is held by another program (Excel?); kept as it was: close it and run again`,
      );
      return;
    }
    throw new ConfigError(
      `write left-out list ${file}: ${String((error as Error)?.message ?? error)}; check --log-left-out and its folder`,
      { cause: error },
    );
  }
}
