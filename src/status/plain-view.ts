import { escapeControls } from './control-escapes.js';
import { formatBytes, formatCount, formatLocalTime } from './format.js';
import type { FileResult, RunDestination, StatusEvent, StatusTracker } from './status-tracker.js';
import {
  formatGroupDoneLine,
  formatProgressLine,
  formatResultLine,
  formatResumedLine,
  formatRetryLine,
  formatRunStartLine,
  formatSkipBatchLine,
  type SkipBatch,
} from './view-lines.js';

export interface PlainViewOptions {
  stream: NodeJS.WritableStream;
  /** Time between progress lines (and skip flushes). */
  intervalMs: number;
}

/** Up to this many skips of a group per interval get a line each; more are summed up in one line. */
const SKIP_DETAIL_LIMIT = 5;

/**
 * Starts the plain view for logs, scheduled tasks and CI: timestamped lines only, no cursor movement
 * and no colour. Prints a line per file uploaded or failed, per phase change and per group started
 * or finished; skipped files are gathered and printed per group every `intervalMs` (one line each
 * when few, one summing line when many, since a resumed run may skip 100,000 files); and a total
 * line every `intervalMs`. A control character in a name is escaped, so each record stays one line. `stop` prints
 * the skips still gathered.
 */
export function startPlainView(tracker: StatusTracker, options: PlainViewOptions): { stop(): void } {
  const { stream, intervalMs } = options;
  const skips = new Map<string, { batch: SkipBatch; samples: FileResult[] }>();
  let destination: RunDestination | undefined;
  const print = (line: string): void => void stream.write(`${formatLocalTime(Date.now())} ${line}\n`);
  const flushSkips = (group?: string): void => {
    for (const [name, gathered] of skips) {
      if (group !== undefined && name !== group) continue;
      skips.delete(name);
      if (gathered.batch.count > SKIP_DETAIL_LIMIT) print(formatSkipBatchLine(gathered.batch));
      else gathered.samples.forEach((result) => print(formatResultLine(result, destination)));
    }
  };
  const unsubscribe = tracker.onEvent((event) => {
    if (event.type === 'run-start') destination = event.destination;
    if (event.type === 'file-done' && event.result.outcome === 'skipped') gatherSkip(skips, event.result);
    else if (event.type === 'group-done') flushSkips(event.group);
    const line = eventLine(event, tracker, destination);
    if (line !== undefined) print(line);
  });
  const timer = setInterval(() => {
    flushSkips();
    print(`progress ${formatProgressLine(tracker.snapshot())}`);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      flushSkips();
    },
  };
}

function gatherSkip(
  skips: Map<string, { batch: SkipBatch; samples: FileResult[] }>,
  result: FileResult,
): void {
  let gathered = skips.get(result.group);
  if (gathered === undefined) {
    gathered = { batch: { group: result.group, count: 0, sizeBytes: 0, reasons: new Map() }, samples: [] };
    skips.set(result.group, gathered);
  }
  const { batch, samples } = gathered;
  batch.count += 1;
  batch.sizeBytes += result.sizeBytes;
  batch.reasons.set(result.reason, (batch.reasons.get(result.reason) ?? 0) + 1);
  // Only the first few are kept: beyond the limit the line is a sum, so memory stays bounded.
  if (samples.length < SKIP_DETAIL_LIMIT) samples.push(result);
}

/**
 * The line an event prints, or undefined for none. One line per record whatever a file is called: a newline in a
 * name must not forge a line of the log, so text from outside is escaped here or by the view-lines formatters.
 */
function eventLine(
  event: StatusEvent,
  tracker: StatusTracker,
  destination: RunDestination | undefined,
): string | undefined {
  switch (event.type) {
    case 'run-start':
      return formatRunStartLine(event.destination);
    case 'notice':
      return escapeControls(event.message);
    case 'phase':
      return `phase ${event.phase}`;
    case 'group-start':
      return `start ${escapeControls(event.group)}: ${formatCount(event.plannedFiles, 'file')}, ${formatBytes(event.plannedBytes)}`;
    case 'group-done':
      return formatGroupDoneLine(event.group, tracker.snapshot());
    case 'file-done':
      return event.result.outcome === 'skipped' ? undefined : formatResultLine(event.result, destination);
    case 'file-resumed':
      return formatResumedLine(event, destination);
    case 'file-retry':
      return formatRetryLine(event.retry);
    case 'file-start':
      return undefined;
  }
}
