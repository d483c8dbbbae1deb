import { formatBytes, formatDuration, formatPercent, formatRate, truncateLeft } from './format.js';
import { createLiveBlock } from './live-block.js';
import type { StatusSnapshot } from './status-snapshot.js';
import type { FileResult, StatusEvent, StatusTracker } from './status-tracker.js';
import { formatGroupDoneLine, formatResultLine, processedBytes } from './view-lines.js';

export interface TtyViewOptions {
  stream: NodeJS.WritableStream;
  color: boolean;
  intervalMs: number;
  /** At most this many in-flight files get a line of their own. */
  maxFileLines?: number;
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
 * Starts the live terminal view: a block redrawn every `intervalMs` with an overall line (bar,
 * percentage, files, bytes, rate, ETA) and one line per file in flight, and a permanent line above
 * it for each file uploaded or failed and each group finished. Skipped files only count in the bar.
 * `stop` draws the last permanent lines and erases the block.
 */
export function startTtyView(tracker: StatusTracker, options: TtyViewOptions): { stop(): void } {
  const { stream, color, intervalMs, maxFileLines = 8 } = options;
  const live = createLiveBlock(stream);
  let permanent: string[] = [];
  const unsubscribe = tracker.onEvent((event) => {
    const line = permanentLine(event, tracker, color);
    if (line !== undefined) permanent.push(line);
  });
  const redraw = (block: string[]): void => {
    live.draw(permanent, block);
    permanent = [];
  };
  const timer = setInterval(
    () => redraw(blockLines(tracker.snapshot(), columnsOf(stream), maxFileLines, color)),
    intervalMs,
  );
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      redraw([]);
    },
  };
}

function permanentLine(event: StatusEvent, tracker: StatusTracker, color: boolean): string | undefined {
  if (event.type === 'group-done') return formatGroupDoneLine(event.group, tracker.snapshot());
  if (event.type !== 'file-done' || event.result.outcome === 'skipped') return undefined;
  const [word = '', ...rest] = formatResultLine(event.result).split(' ');
  return [paint(word, OUTCOME_COLORS[event.result.outcome], color), ...rest].join(' ');
}

function blockLines(
  snapshot: StatusSnapshot,
  columns: number,
  maxFileLines: number,
  color: boolean,
): string[] {
  // One column spare: writing the last column makes conhost wrap, which breaks cursor-up counting.
  const width = Math.max(columns - 1, 20);
  const lines = [overallLine(snapshot, width, color)];
  for (const entry of snapshot.in_flight.slice(0, maxFileLines)) {
    const head = `  ${formatPercent(entry.bytes, entry.size).padStart(6)} ${formatBytes(entry.size).padStart(10)}  `;
    lines.push(head + truncateLeft(entry.file, width - head.length));
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
  // Most telling first, since a narrow terminal cuts the end. Truncate before painting: escape
  // codes take no columns but count as characters.
  const text = parts
    .filter((part) => part !== '')
    .join('  ')
    .slice(0, Math.max(width - bar.length - 1, 0));
  return `${paint(bar, 'cyan', color)} ${text}`;
}

function columnsOf(stream: NodeJS.WritableStream): number {
  const columns = (stream as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : DEFAULT_COLUMNS;
}

function paint(text: string, colorName: Color, enabled: boolean): string {
  return enabled ? `\x1b[${COLORS[colorName]}m${text}\x1b[0m` : text;
}
