import { truncateEnd, truncateMiddle, wrapWords } from './display-width.js';
import { createLiveBlock } from './live-block.js';
import type { StatusSnapshot } from './status-snapshot.js';
import type { FileResult, RunDestination, StatusEvent, StatusTracker } from './status-tracker.js';
import {
  fitDrainLines,
  fitInFlightLine,
  fitOverallLine,
  fitResultLines,
  fitRunStartLines,
} from './tty-lines.js';
import { formatGroupDoneLine, formatResumedLine } from './view-lines.js';

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
  let stopping = false;
  const redraw = (block: string[]): void => {
    live.draw(permanent, block);
    permanent = [];
  };
  const redrawNow = (): void =>
    redraw(blockLines(tracker.snapshot(), { width: width(), maxFileLines, color, stopping, destination }));
  const unsubscribe = tracker.onEvent((event) => {
    if (event.type === 'run-start') destination = event.destination;
    if (event.type === 'notice') stopping = true;
    permanent.push(...permanentLines(event, tracker, { width: width(), color, destination }));
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
      permanent.push(...wrapWords(line, width()));
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
      return wrapWords(event.message, style.width).map((line) => paint(line, 'yellow', style.color));
    case 'group-done':
      return [truncateEnd(formatGroupDoneLine(event.group, tracker.snapshot()), style.width)];
    case 'file-done':
      return event.result.outcome === 'skipped' ? [] : resultLines(event.result, style);
    case 'file-resumed':
      return [truncateMiddle(formatResumedLine(event, style.destination), style.width)];
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

function blockLines(
  snapshot: StatusSnapshot,
  style: LineStyle & { maxFileLines: number; stopping: boolean },
): string[] {
  const { width, maxFileLines, color, stopping, destination } = style;
  const drain = stopping ? fitDrainLines(snapshot.in_flight.length, width) : [];
  const lines = [...drain.map((line) => paint(line, 'yellow', color)), overallLine(snapshot, width, color)];
  for (const entry of snapshot.in_flight.slice(0, maxFileLines))
    lines.push(fitInFlightLine(entry, destination, width, snapshot.last_update));
  const hidden = snapshot.in_flight.length - maxFileLines;
  if (hidden > 0) lines.push(paint(truncateEnd(`  ... and ${hidden} more in flight`, width), 'dim', color));
  return lines;
}

/** Cut before painting: escape codes take no columns. */
function overallLine(snapshot: StatusSnapshot, width: number, color: boolean): string {
  const { bar, text } = fitOverallLine(snapshot, width);
  return bar === undefined ? text : `${paint(bar, 'cyan', color)} ${text}`;
}

function columnsOf(stream: NodeJS.WritableStream): number {
  const columns = (stream as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : DEFAULT_COLUMNS;
}

function paint(text: string, colorName: Color, enabled: boolean): string {
  return enabled ? `\x1b[${COLORS[colorName]}m${text}\x1b[0m` : text;
}
