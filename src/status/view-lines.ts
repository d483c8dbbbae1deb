import path from 'node:path';
import { escapeControls } from './control-escapes.js';
import { formatBytes, formatCount, formatDuration, formatPercent, formatRate } from './format.js';
import { readGroups, type RetryStatus, type StatusSnapshot } from './status-snapshot.js';
import type { FileResult, RetryNotice, RunDestination } from './status-tracker.js';

/** Skipped files of one group, gathered between two plain-view flushes. */
export interface SkipBatch {
  group: string;
  count: number;
  sizeBytes: number;
  /** Count per skip reason. */
  reasons: Map<string, number>;
}

/**
 * Bytes of planned work stored so far: of files uploaded or skipped (already there), and sent of files in flight. A
 * failed file stored nothing: a run that fails a file never shows 100%.
 */
export function storedBytes(snapshot: StatusSnapshot): number {
  const inFlight = snapshot.in_flight.reduce((sum, entry) => sum + Math.min(entry.bytes, entry.size), 0);
  return snapshot.totals.bytes_done + inFlight;
}

/** Files of the plan stored so far: uploaded, or skipped because they are there already. */
export function storedFiles(snapshot: StatusSnapshot): number {
  return snapshot.totals.uploaded + snapshot.totals.skipped;
}

/**
 * One line on the whole run: `119/420 files (118 uploaded, 1 skipped, 1 failed), 12.3 GiB/80.0 GiB
 * (15.3%), 12.3 MiB/s, ETA 1h02m`; files and bytes are those stored (see storedBytes).
 */
export function formatProgressLine(snapshot: StatusSnapshot): string {
  const { totals } = snapshot;
  const stored = storedFiles(snapshot);
  const counts = `${totals.uploaded} uploaded, ${totals.skipped} skipped, ${totals.failed} failed`;
  const bytes = `${formatBytes(storedBytes(snapshot))}/${formatBytes(totals.bytes_planned)}`;
  const percent = formatPercent(storedBytes(snapshot), totals.bytes_planned);
  const speed = `${formatRate(snapshot.rate_bytes_per_sec)}, ETA ${formatDuration(snapshot.eta_seconds)}`;
  return `${stored}/${totals.files} files (${counts}), ${bytes} (${percent}), ${speed}`;
}

/**
 * One line on a finished file, naming the file and where it went: `uploaded <file> -> <key> (12.0 MiB, 1.2s)`,
 * `skipped <file> -> <key> (12.0 MiB): <reason>` or `failed <file> -> <key> (12.0 MiB): <error>`. With the run's
 * destination, the file is shown under the run's folder and the key under the project prefix (the header names
 * both), so lines stay short, and a key that is the file's path there is not repeated
 * (`uploaded reels/R001/R001.mp4 (12.0 MiB, 1.2s)`); otherwise both are shown whole.
 */
export function formatResultLine(result: FileResult, destination?: RunDestination): string {
  const { outcome, file, key, detail } = resultLineParts(result, destination);
  return `${outcome} ${file}${key === '' ? '' : ` -> ${key}`} ${detail}`;
}

/** The parts of a result line: the outcome word, the file, its key ('' when it has none) and size with time or reason. */
export function resultLineParts(
  result: FileResult,
  destination?: RunDestination,
): { outcome: FileResult['outcome']; file: string; key: string; detail: string } {
  const size = formatBytes(result.sizeBytes);
  const file = shownPath(result.path, destination);
  const key = shownKey(result.key, file, destination);
  switch (result.outcome) {
    case 'uploaded':
      return { outcome: 'uploaded', file, key, detail: `(${size}, ${formatDuration(result.seconds)})` };
    case 'skipped':
      return { outcome: 'skipped', file, key, detail: `(${size}): ${escapeControls(result.reason)}` };
    case 'failed':
      return {
        outcome: 'failed',
        file,
        key,
        detail: `(${size}): ${escapeControls(withoutPath(result.error ?? result.reason, result.path))}`,
      };
  }
}

/**
 * An error that names the file it is listed after (`read <file>: ...`, as the CSV log keeps it, whole) as
 * `read: ...`: the line already names the path, and a long path twice makes the reason hard to find.
 */
export function withoutPath(error: string, file: string): string {
  const verbEnd = error.indexOf(' ');
  if (verbEnd <= 0 || !error.startsWith(` ${file}: `, verbEnd)) return error;
  return `${error.slice(0, verbEnd)}:${error.slice(verbEnd + file.length + 2)}`;
}

/**
 * A key as the views show it (control characters escaped): under the project prefix when there is a destination (the
 * header names it), and none ('') when that is the file's path as shown, so the line names it once.
 */
function shownKey(key: string, file: string, destination: RunDestination | undefined): string {
  if (destination === undefined || !key.startsWith(destination.projectPrefix)) return escapeControls(key);
  const relative = escapeControls(key.slice(destination.projectPrefix.length));
  return relative === file.split(path.sep).join('/') ? '' : relative;
}

/**
 * A file as the views show it: under the run's folder when there is one (the header names the folder), control
 * characters escaped (see escapeControls).
 */
export function shownPath(file: string, destination?: RunDestination): string {
  if (destination === undefined) return escapeControls(file);
  const relative = path.relative(destination.folder, file);
  const outside = relative === '' || relative.startsWith('..') || path.isAbsolute(relative);
  return escapeControls(outside ? file : relative);
}

/** `s3://bucket/{prefix}{project_key}/`: where every key of the run goes. */
export function destinationUrl({
  bucket,
  projectPrefix,
}: Pick<RunDestination, 'bucket' | 'projectPrefix'>): string {
  return `s3://${bucket}/${projectPrefix}`;
}

/**
 * The line that opens a run: `upload D:\survey\RMI25320 -> s3://bucket/RMI25320/ (timestamp folder 20261202_0315)`.
 */
export function formatRunStartLine(destination: RunDestination): string {
  const target = destinationUrl(destination);
  const stamp = destination.timestampFolder ? ` (timestamp folder ${destination.timestampFolder})` : '';
  return escapeControls(`upload ${destination.folder} -> ${target}${stamp}`);
}

/**
 * One line for many skipped files: `skipped 301 files in reels (2.0 GiB): unchanged (300); same ETag (1)`, or with
 * one reason for all, that reason alone. A reason is a phrase of its own (`upload log: sent earlier with ...`): a
 * count before it would read as part of it.
 */
export function formatSkipBatchLine(batch: SkipBatch): string {
  const counted = [...batch.reasons];
  const reasons =
    counted.length === 1
      ? counted[0]![0]
      : counted.map(([reason, count]) => `${reason} (${count})`).join('; ');
  return escapeControls(
    `skipped ${formatCount(batch.count, 'file')} in ${batch.group} (${formatBytes(batch.sizeBytes)}): ${reasons}`,
  );
}

/** One line on a finished group: `done reels: 41 uploaded, 1 skipped, 0 failed`. */
export function formatGroupDoneLine(group: string, snapshot: StatusSnapshot): string {
  const counts = readGroups(snapshot)[group];
  const shown = escapeControls(group);
  if (counts === undefined) return `done ${shown}`;
  return `done ${shown}: ${counts.uploaded} uploaded, ${counts.skipped} skipped, ${counts.failed} failed`;
}

/** One line on a resumed file: `resumed reels/R001.mp4: 6 of 9 parts already stored (48.0 MiB)`. */
export function formatResumedLine(
  event: { path: string; bytes: number; partsStored: number; partCount: number },
  destination?: RunDestination,
): string {
  const file = shownPath(event.path, destination);
  return `resumed ${file}: ${event.partsStored} of ${event.partCount} parts already stored (${formatBytes(event.bytes)})`;
}

/**
 * One line on a request sent again: `retrying upload RMI25320/reels/R001.mp4 part 3 in 1.2s: attempt 2 of 10
 * failed (ECONNRESET)`. A flaky link shows in the log as it happens, not only when a file fails at last.
 */
export function formatRetryLine(retry: RetryNotice): string {
  const when = retry.delayMs > 0 ? `in ${formatDuration(retry.delayMs / 1000)}` : 'now';
  return escapeControls(
    `retrying ${retry.what} ${when}: attempt ${retry.attempt} of ${retry.attempts} failed (${retry.reason})`,
  );
}

/** `retry 3/10 in 4.2s (ECONNRESET)`, `retry 3/10 now (SlowDown 503)`: a file's attempt to come and why. */
export function formatRetryState(retry: RetryStatus, nowSeconds: number): string {
  const wait = retry.resume_at - nowSeconds;
  const when = wait > 0 ? `in ${formatDuration(wait)}` : 'now';
  return `retry ${retry.attempt + 1}/${retry.attempts} ${when} (${escapeControls(retry.reason)})`;
}
