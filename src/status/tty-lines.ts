import { escapeControls } from './control-escapes.js';
import { displayWidth, truncateEnd, truncateMiddle, wrapPath, wrapWords } from './display-width.js';
import { formatBytes, formatCount, formatDuration, formatPercent, formatRate } from './format.js';
import type { InFlightStatus, StatusSnapshot } from './status-snapshot.js';
import type { FileResult, RunDestination } from './status-tracker.js';
import {
  destinationUrl,
  formatRetryState,
  formatRunStartLine,
  storedBytes,
  storedFiles,
  resultLineParts,
  shownPath,
} from './view-lines.js';

/**
 * The live view's lines, each fitted to `width` terminal columns, so nothing is left for the terminal to wrap: what
 * does not fit one line goes on the next ones. Lines that stay in the scrollback (header, results, the stop) lose
 * nothing; only the block, redrawn in place, cuts paths in the middle. Pure and uncoloured.
 */

const BAR_WIDTH = 20;
/** Below this width the bar leaves too little room for the numbers, which say more. */
const MIN_WIDTH_FOR_BAR = 60;
const MAX_FILES_NAMED = 8;

/**
 * The run's header: `upload <folder> -> s3://<bucket>/<prefix> (timestamp folder <stamp>)` when it fits, else the
 * folder, the destination and the timestamp folder each starting a line, a path wider than a line going on to the
 * next ones (see wrapPath).
 */
export function fitRunStartLines(destination: RunDestination, width: number): string[] {
  const line = formatRunStartLine(destination);
  if (displayWidth(line) <= width) return [line];
  const lines = [
    ...wrapPath(`upload ${escapeControls(destination.folder)}`, width, 7),
    ...wrapPath(`  -> ${escapeControls(destinationUrl(destination))}`, width, 5),
  ];
  const stamp = destination.timestampFolder;
  if (stamp !== undefined) lines.push(...wrapWords(`  timestamp folder ${stamp}`, width));
  return lines;
}

/**
 * A finished file: `uploaded <file> -> <key> (size, time)` when it fits; else the file, the key (`  -> <key>`) and
 * the size with the time or the error each start a line, sharing one where they fit, a path wider than a line going
 * on to the next ones between its folders (see wrapPath). Nothing is cut: the scrollback keeps these lines, and must
 * tell every file, and every failure, apart.
 */
export function fitResultLines(
  result: FileResult,
  destination: RunDestination | undefined,
  width: number,
): string[] {
  const { outcome, file, key, detail } = resultLineParts(result, destination);
  const parts: Part[] = [{ text: `${outcome} ${file}`, keep: outcome.length + 1 }];
  if (key !== '') parts.push({ text: `-> ${key}`, keep: 3 });
  parts.push({ text: detail });
  return fitParts(parts, width);
}

/** A piece of a line that stays in the scrollback: a path unless it has no `keep` (then words). */
interface Part {
  text: string;
  /** A path's leading characters that stay on its first line (`uploaded `, `-> `). */
  keep?: number;
}

/**
 * Lines of at most `width` columns from `parts`: each goes on the line before when it fits there, else starts a
 * line of its own, indented by two spaces; a part wider than a line goes on to the next ones (a path broken
 * between folders, words at spaces).
 */
function fitParts(parts: readonly Part[], width: number): string[] {
  const lines: string[] = [];
  let line: string | undefined;
  for (const { text, keep } of parts) {
    if (line !== undefined && displayWidth(`${line} ${text}`) <= width) {
      line = `${line} ${text}`;
      continue;
    }
    if (line !== undefined) lines.push(line);
    const start = line === undefined ? text : `  ${text}`;
    const indent = start.length - text.length;
    const wrapped = keep === undefined ? wrapWords(start, width) : wrapPath(start, width, indent + keep);
    line = wrapped.pop();
    lines.push(...wrapped);
  }
  if (line !== undefined) lines.push(line);
  return lines;
}

/**
 * The overall figures: `[####----] 42.0%  12.3 MiB/s  ETA 1m05s  3/10 files  1.2 GiB/2.9 GiB`, files and bytes
 * stored (see storedBytes; failed files count apart, `1 failed`), the bar left out below 60 columns. Figures that do not fit go on a second line (`  3 failed  3/10 files  ...`): none is left out or
 * cut, so the count of failed files always shows. `lines[0]` goes beside the bar.
 */
export function fitOverallLines(
  snapshot: StatusSnapshot,
  width: number,
): { bar: string | undefined; lines: string[] } {
  const { totals } = snapshot;
  const stored = storedBytes(snapshot);
  const figures = [
    snapshot.phase === 'uploading' ? '' : snapshot.phase,
    formatPercent(stored, totals.bytes_planned),
    formatRate(snapshot.rate_bytes_per_sec),
    `ETA ${formatDuration(snapshot.eta_seconds)}`,
    totals.failed > 0 ? `${totals.failed} failed` : '',
    `${storedFiles(snapshot)}/${totals.files} files`,
    `${formatBytes(stored)}/${formatBytes(totals.bytes_planned)}`,
  ].filter((figure) => figure !== '');
  const bar = width >= MIN_WIDTH_FOR_BAR ? progressBar(stored, totals.bytes_planned) : undefined;
  const lines = [''];
  let room = bar === undefined ? width : width - BAR_WIDTH - 3;
  for (const figure of figures) {
    const last = lines[lines.length - 1]!;
    const next = last === '' ? figure : `${last}  ${figure}`;
    if (displayWidth(next) <= room) lines[lines.length - 1] = next;
    else {
      lines.push(truncateEnd(`  ${figure}`, width));
      room = width;
    }
  }
  return { bar, lines };
}

function progressBar(processed: number, planned: number): string {
  const fraction = planned > 0 ? Math.min(processed / planned, 1) : 0;
  const filled = Math.floor(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/**
 * A file in flight: `   42.0%   12.0 MiB  <file under the run's folder, cut in the middle>`, with its pending retry
 * after the path (`  retry 3/10 in 4.2s (ECONNRESET)`), or on a line of its own under it when the two do not fit
 * one line. Redrawn in place, these lines may be cut to the width.
 */
export function fitInFlightLines(
  entry: InFlightStatus,
  destination: RunDestination | undefined,
  width: number,
  nowSeconds?: number,
): string[] {
  const head = `  ${formatPercent(entry.bytes, entry.size).padStart(6)} ${formatBytes(entry.size).padStart(10)}  `;
  const path = shownPath(entry.file, destination);
  const retry = entry.retry && nowSeconds !== undefined ? formatRetryState(entry.retry, nowSeconds) : '';
  const room = width - head.length - (retry === '' ? 0 : displayWidth(retry) + 2);
  if (retry === '' || room >= Math.min(displayWidth(path), MIN_ROOM_FOR_PATH)) {
    const tail = retry === '' ? '' : `  ${retry}`;
    return [truncateEnd(head + truncateMiddle(path, Math.max(room, MIN_ROOM_FOR_PATH)) + tail, width)];
  }
  const fileLine = truncateEnd(
    head + truncateMiddle(path, Math.max(width - head.length, MIN_ROOM_FOR_PATH)),
    width,
  );
  return [fileLine, truncateEnd(`  ${retry}`, width)];
}

/** Below this many columns for its path a file's retry state goes on a line of its own. */
const MIN_ROOM_FOR_PATH = 12;

/**
 * The drain line of a stopping run, in as many lines as `width` needs; `stopAgain` says how to stop it at once
 * (`Ctrl+C again to stop now`).
 */
export function fitDrainLines(inFlight: number, width: number, stopAgain: string): string[] {
  return wrapWords(`Stopping: waiting for ${formatCount(inFlight, 'file')} in flight; ${stopAgain}`, width);
}

/**
 * How far a file cut off got: what it sent, and of that what the server holds for the next run to resume, which
 * is less where parts were cut off in flight (a whole-file request keeps nothing).
 */
function describeKept({ bytes, size, bytes_stored: stored }: InFlightStatus): string {
  if (stored === undefined) return `${formatPercent(bytes, size)} sent`;
  if (stored >= bytes) return `${formatPercent(stored, size)} stored`;
  return `${formatPercent(bytes, size)} sent, ${formatPercent(stored, size)} stored`;
}

/**
 * What a second Ctrl+C leaves: `Stopped at once. Left in flight:`, one line per file (`  <file> (42.0% sent, 25.0% stored)`,
 * at most 8, then a count), and how to resume (`resume`, a sentence). With `width` (a terminal) lines wider than
 * it are wrapped.
 */
export function formatStoppedLines(
  inFlight: readonly InFlightStatus[],
  destination: RunDestination | undefined,
  resume: string,
  width?: number,
): string[] {
  const fit = (line: string): string[] => (width === undefined ? [line] : wrapWords(line, width));
  if (inFlight.length === 0) return [...fit('Stopped at once, nothing in flight.'), ...fit(resume)];
  const named = inFlight.slice(0, MAX_FILES_NAMED);
  const files = named.flatMap((entry) => {
    const file = `  ${shownPath(entry.file, destination)}`;
    const sent = `(${describeKept(entry)})`;
    return width === undefined
      ? [`${file} ${sent}`]
      : fitParts([{ text: file, keep: 2 }, { text: sent }], width);
  });
  const more = inFlight.length - named.length;
  const hidden = more > 0 ? [`  ... and ${more} more`] : [];
  return [
    ...fit(`Stopped at once. Left in flight (${inFlight.length}):`),
    ...files,
    ...hidden,
    ...fit(resume),
  ];
}
