import { displayWidth, truncateEnd, truncateMiddle } from './display-width.js';
import { formatBytes, formatDuration, formatPercent, formatRate } from './format.js';
import { createLiveBlock } from './live-block.js';
import type { StatusSnapshot } from './status-snapshot.js';
import type { FileResult, RunDestination, StatusEvent, StatusTracker } from './status-tracker.js';
import { formatGroupDoneLine, formatRunStartLine, processedBytes, resultLineParts } from './view-lines.js';

export interface TtyViewOptions {
  stream: NodeJS.WritableStream;
  color: boolean;
  intervalMs: number;
  /** At most this many in-flight files get a line of their own. */
  maxFileLines?: number;
}

/** The live view's handle: `printAbove` puts a line (a warning, say) above the block without breaking it. */
export interface TtyView {
  stop(): void;
  printAbove(line: string): void;
}

const BAR_WIDTH = 20;
const DEFAULT_COLUMNS = 80;
const COLORS = { green: '32', yellow: '33', red: '31', cyan: '36', dim: '2' } as const;
type Color = keyof typeof COLORS;
const OUTCOME_COLORS: Record<FileResult['outcome'], Color> = {
  uploaded: 'green',
  skipped: 'yellow',
  failed: 'red',
};

/**
 * Starts the live terminal view: a block redrawn every `intervalMs` (and at once when the window is resized) with
 * an overall line (bar, percentage, rate, ETA, files, bytes) and one line per file in flight, and a permanent line
 * above it for the run's destination, each file uploaded or failed, each group finished and each notice (the run is
 * stopping). Every line fits the terminal's width: paths are cut in the middle. Skipped files only count in the bar.
 * `stop` draws the last permanent lines and erases the block.
 */
export function startTtyView(tracker: StatusTracker, options: TtyViewOptions): TtyView {
  const { stream, color, intervalMs, maxFileLines = 8 } = options;
  const width = (): number => Math.max(columnsOf(stream) - 1, 20); // one spare column: the last one makes conhost wrap
  const live = createLiveBlock(stream, () => columnsOf(stream));
  let permanent: string[] = [];
  let destination: RunDestination | undefined;
  let stopping: string | undefined;
  const redraw = (block: string[]): void => {
    live.draw(permanent, block);
    permanent = [];
  };
  const redrawNow = (): void =>
    redraw(blockLines(tracker.snapshot(), { width: width(), maxFileLines, color, stopping }));
  const unsubscribe = tracker.onEvent((event) => {
    if (event.type === 'run-start') destination = event.destination;
    if (event.type === 'notice') stopping = event.message;
    const line = permanentLine(event, tracker, { width: width(), color, destination });
    if (line !== undefined) permanent.push(line);
    // a notice must show now, not at the next tick: the user just pressed Ctrl+C
    if (event.type === 'notice') redrawNow();
  });
  const timer = setInterval(redrawNow, intervalMs);
  timer.unref();
  const onResize = (): void => redrawNow();
  stream.on('resize', onResize);
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      stream.off('resize', onResize);
      redraw([]);
    },
    printAbove(line) {
      permanent.push(truncateEnd(line, width()));
      redrawNow();
    },
  };
}

interface LineStyle {
  width: number;
  color: boolean;
  destination?: RunDestination | undefined;
}

function permanentLine(event: StatusEvent, tracker: StatusTracker, style: LineStyle): string | undefined {
  switch (event.type) {
    case 'run-start':
      return truncateMiddle(formatRunStartLine(event.destination), style.width);
    case 'notice':
      return paint(truncateEnd(event.message, style.width), 'yellow', style.color);
    case 'group-done':
      return truncateEnd(formatGroupDoneLine(event.group, tracker.snapshot()), style.width);
    case 'file-done':
      return event.result.outcome === 'skipped' ? undefined : resultLine(event.result, style);
    default:
      return undefined;
  }
}

/**
 * `uploaded <file> -> <key> (size, time)` cut to the width: the file and the key share the room left by the rest,
 * each cut in its middle, so both ends of each path stay readable. The outcome word is painted.
 */
function resultLine(result: FileResult, style: LineStyle): string {
  const { outcome, file, key, detail } = resultLineParts(result, style.destination);
  const arrow = key === '' ? '' : ' -> ';
  const room = style.width - displayWidth(outcome) - displayWidth(detail) - displayWidth(arrow) - 2;
  let line: string;
  if (displayWidth(file) + displayWidth(key) <= room) line = `${outcome} ${file}${arrow}${key} ${detail}`;
  else if (room >= 16) {
    const keyRoom = key === '' ? 0 : Math.min(displayWidth(key), Math.floor(room / 2));
    const fileRoom = room - keyRoom;
    line = `${outcome} ${truncateMiddle(file, fileRoom)}${arrow}${truncateMiddle(key, keyRoom)} ${detail}`;
  } else line = truncateEnd(`${outcome} ${file}${arrow}${key} ${detail}`, style.width);
  return paint(outcome, OUTCOME_COLORS[outcome], style.color) + line.slice(outcome.length);
}

function blockLines(
  snapshot: StatusSnapshot,
  style: { width: number; maxFileLines: number; color: boolean; stopping: string | undefined },
): string[] {
  const { width, maxFileLines, color, stopping } = style;
  const lines = [overallLine(snapshot, width, color)];
  if (stopping !== undefined) {
    const waiting = `Stopping: waiting for ${snapshot.in_flight.length} file(s) in flight; Ctrl+C again to stop now`;
    lines.unshift(paint(truncateEnd(waiting, width), 'yellow', color));
  }
  for (const entry of snapshot.in_flight.slice(0, maxFileLines)) {
    const head = `  ${formatPercent(entry.bytes, entry.size).padStart(6)} ${formatBytes(entry.size).padStart(10)}  `;
    lines.push(head + truncateMiddle(entry.file, width - head.length));
  }
  const hidden = snapshot.in_flight.length - maxFileLines;
  if (hidden > 0) lines.push(paint(`  ... and ${hidden} more in flight`, 'dim', color));
  return lines;
}

function overallLine(snapshot: StatusSnapshot, width: number, color: boolean): string {
  const { totals } = snapshot;
  const processed = processedBytes(snapshot);
  const fraction = totals.bytes_planned > 0 ? Math.min(processed / totals.bytes_planned, 1) : 0;
  const filled = Math.floor(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const finished = totals.uploaded + totals.skipped + totals.failed;
  const parts = [
    snapshot.phase === 'uploading' ? '' : snapshot.phase,
    formatPercent(processed, totals.bytes_planned),
    formatRate(snapshot.rate_bytes_per_sec),
    `ETA ${formatDuration(snapshot.eta_seconds)}`,
    totals.failed > 0 ? `${totals.failed} failed` : '',
    `${finished}/${totals.files} files`,
    `${formatBytes(processed)}/${formatBytes(totals.bytes_planned)}`,
  ];
  // Most telling first, since a narrow terminal cuts the end. Cut before painting: escape codes take no columns.
  const text = parts.filter((part) => part !== '').join('  ');
  if (width < bar.length + 12) return text.slice(0, width);
  return `${paint(bar, 'cyan', color)} ${text.slice(0, width - bar.length - 1)}`;
}

function columnsOf(stream: NodeJS.WritableStream): number {
  const columns = (stream as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : DEFAULT_COLUMNS;
}

function paint(text: string, colorName: Color, enabled: boolean): string {
  return enabled ? `\x1b[${COLORS[colorName]}m${text}\x1b[0m` : text;
}
