import { truncateEnd, wrapWords } from './display-width.js';
import { escapeControls } from './control-escapes.js';
import { formatCount } from './format.js';
import { createLiveBlock } from './live-block.js';
import type { StatusSnapshot } from './status-snapshot.js';
import type { FileResult, RunDestination, StatusEvent, StatusTracker } from './status-tracker.js';
import {
  fitDrainLines,
  fitInFlightLines,
  fitOverallLines,
  fitResultLines,
  fitRunStartLines,
} from './tty-lines.js';
import { formatGroupDoneLine, formatResumedLine } from './view-lines.js';
import { DEFAULT_COLUMNS, terminalColumns } from './terminal-columns.js';

export interface TtyViewOptions {
  stream: NodeJS.WritableStream;
  color: boolean;
  intervalMs: number;
  /** At most this many in-flight files get a line of their own (fewer when the terminal is short). */
  maxFileLines?: number;
}

/** The live view's handle: `printAbove` puts a line (a warning, say) above the block without breaking it. */
export interface TtyView {
  stop(): void;
  printAbove(line: string): void;
}

/** What a stream that does not say its height is taken to have: the classic console's. */
const DEFAULT_ROWS = 24;
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
 * stopping). Every line fits the terminal's width: paths are cut in the middle. The block takes at most one row less
 * than the terminal has, so it can always be moved over and redrawn; on a short terminal file lines go first, the
 * overall line never. Control characters in names are shown escaped. Skipped files only count in the bar. `stop` draws the last permanent lines and erases the block.
 */
export function startTtyView(tracker: StatusTracker, options: TtyViewOptions): TtyView {
  const { stream, color, intervalMs, maxFileLines = 8 } = options;
  const width = (): number => Math.max(columnsOf(stream) - 1, 20); // one spare column: the last one makes conhost wrap
  const live = createLiveBlock(stream, () => columnsOf(stream));
  let permanent: string[] = [];
  let destination: RunDestination | undefined;
  let stopAgain: string | undefined;
  const redraw = (block: string[]): void => {
    live.draw(permanent, block);
    permanent = [];
  };
  const redrawNow = (): void =>
    redraw(
      blockLines(tracker.snapshot(), {
        width: width(),
        maxLines: Math.max(rowsOf(stream) - 1, 1),
        maxFileLines,
        color,
        stopAgain,
        destination,
      }),
    );
  const unsubscribe = tracker.onEvent((event) => {
    if (event.type === 'run-start') destination = event.destination;
    // only a stopping run's notice says how to stop it at once
    if (event.type === 'notice' && event.stopAgain) stopAgain = event.stopAgain;
    permanent.push(...permanentLines(event, tracker, { width: width(), color, destination }));
    // a notice must show now, not at the next tick: the user may just have pressed Ctrl+C
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
      permanent.push(...wrapWords(escapeControls(line), width()));
      redrawNow();
    },
  };
}

interface LineStyle {
  width: number;
  color: boolean;
  destination?: RunDestination | undefined;
}

function permanentLines(event: StatusEvent, tracker: StatusTracker, style: LineStyle): string[] {
  switch (event.type) {
    case 'run-start':
      return fitRunStartLines(event.destination, style.width);
    case 'notice':
      return wrapWords(escapeControls(event.message), style.width).map((line) =>
        paint(line, 'yellow', style.color),
      );
    case 'group-done':
      return wrapWords(formatGroupDoneLine(event.group, tracker.snapshot()), style.width);
    case 'file-done':
      return event.result.outcome === 'skipped' ? [] : resultLines(event.result, style);
    case 'file-resumed':
      return wrapWords(formatResumedLine(event, style.destination), style.width);
    default:
      return [];
  }
}

/** A finished file's lines (see fitResultLines), the outcome word painted. */
function resultLines(result: FileResult, style: LineStyle): string[] {
  const [first = '', ...rest] = fitResultLines(result, style.destination, style.width);
  const { outcome } = result;
  return [paint(outcome, OUTCOME_COLORS[outcome], style.color) + first.slice(outcome.length), ...rest];
}

/**
 * The block, in at most `maxLines` lines: the drain lines of a stopping run, the overall lines, and the files in
 * flight (at most `maxFileLines`) in the lines left, the last one counting the files without one. The overall lines
 * are kept first, then the drain lines, then the files: on a short terminal the figures stay in view.
 */
function blockLines(
  snapshot: StatusSnapshot,
  style: LineStyle & { maxLines: number; maxFileLines: number; stopAgain: string | undefined },
): string[] {
  const { width, maxLines, maxFileLines, color, stopAgain, destination } = style;
  const overall = overallLines(snapshot, width, color).slice(0, maxLines);
  const drain = stopAgain ? fitDrainLines(snapshot.in_flight.length, width, stopAgain) : [];
  const lines = [
    ...drain.slice(0, maxLines - overall.length).map((line) => paint(line, 'yellow', color)),
    ...overall,
  ];
  let room = maxLines - lines.length;
  const inFlight = snapshot.in_flight;
  let shown = 0;
  for (const entry of inFlight.slice(0, maxFileLines)) {
    const entryLines = fitInFlightLines(entry, destination, width, snapshot.last_update);
    const countLine = inFlight.length - shown - 1 > 0 ? 1 : 0;
    if (entryLines.length + countLine > room) break;
    lines.push(...entryLines);
    room -= entryLines.length;
    shown += 1;
  }
  const hidden = inFlight.length - shown;
  if (hidden > 0 && room > 0) lines.push(paint(truncateEnd(hiddenLine(hidden, shown), width), 'dim', color));
  return lines;
}

function hiddenLine(hidden: number, shown: number): string {
  return shown === 0 ? `  ${formatCount(hidden, 'file')} in flight` : `  ... and ${hidden} more in flight`;
}

/** Cut before painting: escape codes take no columns. */
function overallLines(snapshot: StatusSnapshot, width: number, color: boolean): string[] {
  const { bar, lines } = fitOverallLines(snapshot, width);
  const [first = '', ...rest] = lines;
  return [bar === undefined ? first : `${paint(bar, 'cyan', color)} ${first}`, ...rest];
}

function rowsOf(stream: NodeJS.WritableStream): number {
  const rows = (stream as { rows?: unknown }).rows;
  return typeof rows === 'number' && rows > 0 ? rows : DEFAULT_ROWS;
}

function columnsOf(stream: NodeJS.WritableStream): number {
  // the live view runs on a terminal only: a width it does not say is COLUMNS or the default
  return (
    terminalColumns({ isTTY: true, columns: (stream as { columns?: unknown }).columns }) ?? DEFAULT_COLUMNS
  );
}

function paint(text: string, colorName: Color, enabled: boolean): string {
  return enabled ? `\x1b[${COLORS[colorName]}m${text}\x1b[0m` : text;
}
