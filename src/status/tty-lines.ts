import { escapeControls } from './control-escapes.js';
import { displayWidth, truncateEnd, truncateMiddle, wrapWords } from './display-width.js';
import { formatBytes, formatCount, formatDuration, formatPercent, formatRate } from './format.js';
import type { InFlightStatus, StatusSnapshot } from './status-snapshot.js';
import type { FileResult, RunDestination } from './status-tracker.js';
import {
  formatRetryState,
  formatRunStartLine,
  processedBytes,
  resultLineParts,
  shownPath,
} from './view-lines.js';

/**
 * The live view's lines, each fitted to `width` terminal columns: what does not fit one line goes on the next
 * ones, and paths are cut in the middle, so nothing is left for the terminal to wrap. Pure and uncoloured.
 */

const BAR_WIDTH = 20;
/** Below this width the bar leaves too little room for the numbers, which say more. */
const MIN_WIDTH_FOR_BAR = 60;
/** Below this room for file and key together, the key goes on a line of its own. */
const MIN_ROOM_FOR_ONE_LINE = 40;
const MAX_FILES_NAMED = 8;

/**
 * The run's header: `upload <folder> -> s3://<bucket>/<prefix> (timestamp folder <stamp>)` when it fits, else the
 * folder, the destination and the timestamp folder on lines of their own, paths cut in the middle.
 */
export function fitRunStartLines(destination: RunDestination, width: number): string[] {
  const line = formatRunStartLine(destination);
  if (displayWidth(line) <= width) return [line];
  const target = escapeControls(`s3://${destination.bucket}/${destination.projectPrefix}`);
  const lines = [
    `upload ${truncateMiddle(escapeControls(destination.folder), width - 7)}`,
    `  -> ${truncateMiddle(target, width - 5)}`,
  ];
  const stamp = destination.timestampFolder;
  if (stamp !== undefined) lines.push(truncateEnd(`  timestamp folder ${stamp}`, width));
  return lines;
}

/**
 * A finished file: `uploaded <file> -> <key> (size, time)` when it fits or when file and key can share at least
 * 40 columns (each cut in its middle); on a narrow terminal the key goes on a second line (`  -> <key>`), and
 * the size with the time or the error on a third when even the file needs the whole line.
 */
export function fitResultLines(
  result: FileResult,
  destination: RunDestination | undefined,
  width: number,
): string[] {
  const { outcome, file, key, detail } = resultLineParts(result, destination);
  const arrow = key === '' ? '' : ' -> ';
  const room = width - displayWidth(`${outcome}  ${arrow}${detail}`);
  if (displayWidth(file) + displayWidth(key) <= room) return [`${outcome} ${file}${arrow}${key} ${detail}`];
  if (room >= MIN_ROOM_FOR_ONE_LINE) {
    const keyRoom = key === '' ? 0 : Math.min(displayWidth(key), Math.floor(room / 2));
    const shown = `${truncateMiddle(file, room - keyRoom)}${arrow}${truncateMiddle(key, keyRoom)}`;
    return [`${outcome} ${shown} ${detail}`];
  }
  const keyLines = key === '' ? [] : [`  -> ${truncateMiddle(key, width - 5)}`];
  const fileRoom = width - displayWidth(`${outcome}  ${detail}`);
  if (fileRoom >= 12 || (displayWidth(file) <= fileRoom && fileRoom > 0))
    return [`${outcome} ${truncateMiddle(file, fileRoom)} ${detail}`, ...keyLines];
  const fileLine = `${outcome} ${truncateMiddle(file, width - outcome.length - 1)}`;
  return [fileLine, ...keyLines, ...wrapWords(`  ${detail}`, width, '  ')];
}

/**
 * The overall line: `[####----] 42.0%  12.3 MiB/s  ETA 1m05s  3/10 files  1.2 GiB/2.9 GiB`, without the bar below
 * 60 columns, leaving out whole figures (the least telling last) rather than cutting one.
 */
export function fitOverallLine(
  snapshot: StatusSnapshot,
  width: number,
): { bar: string | undefined; text: string } {
  const { totals } = snapshot;
  const processed = processedBytes(snapshot);
  const finished = totals.uploaded + totals.skipped + totals.failed;
  const figures = [
    snapshot.phase === 'uploading' ? '' : snapshot.phase,
    formatPercent(processed, totals.bytes_planned),
    formatRate(snapshot.rate_bytes_per_sec),
    `ETA ${formatDuration(snapshot.eta_seconds)}`,
    totals.failed > 0 ? `${totals.failed} failed` : '',
    `${finished}/${totals.files} files`,
    `${formatBytes(processed)}/${formatBytes(totals.bytes_planned)}`,
  ].filter((figure) => figure !== '');
  const bar = width >= MIN_WIDTH_FOR_BAR ? progressBar(processed, totals.bytes_planned) : undefined;
  const room = bar === undefined ? width : width - BAR_WIDTH - 3;
  let text = '';
  for (const figure of figures) {
    const next = text === '' ? figure : `${text}  ${figure}`;
    if (displayWidth(next) <= room) text = next;
  }
  return { bar, text };
}

function progressBar(processed: number, planned: number): string {
  const fraction = planned > 0 ? Math.min(processed / planned, 1) : 0;
  const filled = Math.floor(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/** A file in flight: `   42.0%   12.0 MiB  <file under the run's folder, cut in the middle>`. */
export function fitInFlightLine(
  entry: InFlightStatus,
  destination: RunDestination | undefined,
  width: number,
  nowSeconds?: number,
): string {
  const head = `  ${formatPercent(entry.bytes, entry.size).padStart(6)} ${formatBytes(entry.size).padStart(10)}  `;
  const tail =
    entry.retry && nowSeconds !== undefined ? `  ${formatRetryState(entry.retry, nowSeconds)}` : '';
  const room = Math.max(width - head.length - displayWidth(tail), MIN_ROOM_FOR_PATH);
  return truncateEnd(head + truncateMiddle(shownPath(entry.file, destination), room) + tail, width);
}

/** Below this many columns for its path a file's line drops the retry state rather than the path. */
const MIN_ROOM_FOR_PATH = 12;

/** The drain line of a stopping run, in as many lines as `width` needs. */
export function fitDrainLines(inFlight: number, width: number): string[] {
  return wrapWords(
    `Stopping: waiting for ${formatCount(inFlight, 'file')} in flight; Ctrl+C again to stop now`,
    width,
  );
}

/**
 * What a second Ctrl+C leaves: `Stopped at once. Left in flight:`, one line per file (`  <file> (42.0% sent)`,
 * at most 8, then a count), and how to resume. With `width` (a terminal) every line fits it.
 */
export function formatStoppedLines(
  inFlight: readonly InFlightStatus[],
  destination: RunDestination | undefined,
  width?: number,
): string[] {
  const fit = (line: string): string[] => (width === undefined ? [line] : wrapWords(line, width));
  if (inFlight.length === 0) return [...fit('Stopped at once, nothing in flight.'), ...fit(RESUME)];
  const files = inFlight.slice(0, MAX_FILES_NAMED).map((entry) => {
    const sent = ` (${formatPercent(entry.bytes, entry.size)} sent)`;
    const file = shownPath(entry.file, destination);
    return width === undefined
      ? `  ${file}${sent}`
      : `  ${truncateMiddle(file, width - 2 - sent.length)}${sent}`;
  });
  const more = inFlight.length - files.length;
  const hidden = more > 0 ? [`  ... and ${more} more`] : [];
  return [
    ...fit(`Stopped at once. Left in flight (${inFlight.length}):`),
    ...files,
    ...hidden,
    ...fit(RESUME),
  ];
}

const RESUME = 'Run the same command again to resume.';
