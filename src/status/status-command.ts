import { setTimeout as sleep } from 'node:timers/promises';
import { escapeControls } from './control-escapes.js';
import { displayWidth, truncateEnd, truncateMiddle } from './display-width.js';
import { formatBytes, formatDuration, formatLocalTime, formatPercent, formatRate } from './format.js';
import { createLiveBlock } from './live-block.js';
import { isFinalPhase, readGroups, type GroupStatus } from './status-snapshot.js';
import { isWriterGone, readStatusFile, type StatusFileContent } from './status-file.js';
import { listFailures } from './summary.js';
import { formatTable } from './text-table.js';
import { formatRetryState, storedBytes } from './view-lines.js';

export interface RenderOptions {
  /** Milliseconds since the epoch to judge the age against; injectable for tests. */
  nowMs?: number;
}

export interface WatchOptions {
  intervalMs: number;
  stream: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** One JSON line per change (see {@link statusRecord}) instead of the text view. */
  json?: boolean;
  /**
   * Piped, a run whose counts stay the same (one big reel for hours) gets a timestamped progress line when its bytes
   * moved, at most this often; default 60 s.
   */
  progressEveryMs?: number;
  /** How the watcher waits between two reads of the file; by default `intervalMs` of sleep, cut short by `signal`. */
  pause?: (intervalMs: number, signal: AbortSignal | undefined) => Promise<void>;
}

const PROGRESS_EVERY_MS = 60_000;
/** Staleness is judged against this interval when the file does not name its own. */
const ASSUMED_HEARTBEAT_INTERVAL_MS = 30_000;
const STALE_AFTER_INTERVALS = 3;

export type Liveness = { state: 'finished' | 'live' } | { state: 'stale' | 'gone'; reason: string };

/**
 * Reads the status file at `path` (see `readStatusFile`) and renders it for a person: phase, writer
 * process, age of the last update, overall progress, a table per group, files in flight and recent
 * errors. Says STALE when a running upload has not updated the file for three heartbeat intervals or
 * its process is gone.
 * @throws ConfigError when the file cannot be read or is not a status file.
 */
export async function renderStatusFile(
  path: string,
  options: RenderOptions = {},
): Promise<{ text: string; exitCode: number }> {
  const file = await readStatusFile(path);
  const nowMs = options.nowMs ?? Date.now();
  const liveness = judgeLiveness(file, nowMs);
  const text = renderStatus(file, nowMs, liveness, formatProgressLines(file, liveness));
  return { text, exitCode: statusExitCode(file, liveness) };
}

/**
 * Reads the status file at `path` as one JSON record for scripts: `{"type":"status", ...the file's fields,
 * "liveness": "live" | "finished" | "stale" | "gone", "stale_reason": string | null, "exit_code": n}`, where
 * `exit_code` is what `status` exits with (see {@link statusExitCode}).
 * @throws ConfigError when the file cannot be read or is not a status file.
 */
export async function readStatusRecord(
  path: string,
  options: RenderOptions = {},
): Promise<{ record: Record<string, unknown>; exitCode: number }> {
  const file = await readStatusFile(path);
  const liveness = judgeLiveness(file, options.nowMs ?? Date.now());
  const exitCode = statusExitCode(file, liveness);
  return { record: statusRecord(file, liveness, exitCode), exitCode };
}

function statusRecord(
  file: StatusFileContent,
  liveness: Liveness,
  exitCode: number,
): Record<string, unknown> {
  const staleReason = 'reason' in liveness ? liveness.reason : null;
  return {
    type: 'status',
    ...file,
    liveness: liveness.state,
    stale_reason: staleReason,
    exit_code: exitCode,
  };
}

/**
 * What a script watching a run learns from the exit code: 0 while it runs or once it completed, the run's own
 * exit code once it failed or was interrupted, 1 for a run that stopped without saying so (stale, process gone).
 */
export function statusExitCode(file: StatusFileContent, liveness: Liveness): number {
  if (liveness.state === 'stale' || liveness.state === 'gone') return 1;
  if (file.phase === 'failed') return file.run_error?.exit_code ?? 1;
  if (file.phase === 'interrupted') return file.run_error?.exit_code ?? 130;
  return 0;
}

/**
 * Re-renders the status file every `intervalMs` until its phase is final, its writer process is gone,
 * or `signal` aborts (a merely stale file is watched on: a sleeping laptop wakes up). On a terminal the view is
 * redrawn in place; elsewhere it is printed again when the counts change, and between two such prints a
 * timestamped progress line is printed when the bytes moved, at most every `progressEveryMs`. A missing or
 * unreadable file is shown as such and waited for.
 */
export async function watchStatusFile(path: string, options: WatchOptions): Promise<number> {
  const { intervalMs, stream, signal } = options;
  const live = isTerminal(stream) ? createLiveBlock(stream, () => columnsOf(stream)) : undefined;
  const log = live === undefined && options.json !== true ? startLogFrames(stream, options) : undefined;
  let lastChangeKey = '';
  while (signal?.aborted !== true) {
    const frame = await readFrame(path);
    if (options.json === true) {
      if (frame.changeKey !== lastChangeKey) stream.write(`${JSON.stringify(frame.record)}\n`);
    } else if (live !== undefined) live.draw([], fitStatusLines(frame.text, screenOf(stream)));
    else log?.(frame);
    lastChangeKey = frame.changeKey;
    if (frame.done) return frame.exitCode;
    await (options.pause ?? sleepUnlessAborted)(intervalMs, signal);
  }
  return 0;
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
}

/**
 * How a log (no terminal) gets the frames: the whole view when the counts change, else a progress line when anything
 * changed since the last print and `progressEveryMs` has passed.
 */
function startLogFrames(stream: NodeJS.WritableStream, options: WatchOptions): (frame: Frame) => void {
  const everyMs = options.progressEveryMs ?? PROGRESS_EVERY_MS;
  let printedCounts = '';
  let printedChange = '';
  let printedAtMs = 0;
  return (frame) => {
    const nowMs = Date.now();
    if (frame.countsKey !== printedCounts) stream.write(`${frame.text}\n\n`);
    else if (frame.changeKey !== printedChange && nowMs - printedAtMs >= everyMs)
      stream.write(`${formatLocalTime(nowMs)} ${frame.progress}\n\n`);
    else return;
    printedCounts = frame.countsKey;
    printedChange = frame.changeKey;
    printedAtMs = nowMs;
  };
}

interface Frame {
  text: string;
  /** The progress line of the view (bytes, rate, ETA), for a log between two views. */
  progress: string;
  record: Record<string, unknown>;
  /** Changes with anything a script may follow, bytes included: a JSON record is written for each change. */
  changeKey: string;
  /** Changes with the file counts, phase and files in flight: a log gets the view again only then, not per byte. */
  countsKey: string;
  done: boolean;
  exitCode: number;
}

async function readFrame(path: string): Promise<Frame> {
  let file: StatusFileContent;
  try {
    file = await readStatusFile(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const text = escapeControls(`waiting for ${path}: ${message}`);
    return {
      text,
      progress: text,
      record: { type: 'waiting', file: path, message },
      changeKey: text,
      countsKey: text,
      done: false,
      exitCode: 0,
    };
  }
  const nowMs = Date.now();
  const liveness = judgeLiveness(file, nowMs);
  const changeKey = JSON.stringify([
    file.phase,
    file.totals,
    file.in_flight.map((entry) => entry.file),
    liveness,
  ]);
  const { uploaded, skipped, failed, files } = file.totals;
  const countsKey = JSON.stringify([
    file.phase,
    [uploaded, skipped, failed, files],
    file.in_flight.map((entry) => entry.file),
    liveness,
  ]);
  const done = liveness.state === 'finished' || liveness.state === 'gone';
  const exitCode = statusExitCode(file, liveness);
  const progress = formatProgressLines(file, liveness);
  return {
    text: renderStatus(file, nowMs, liveness, progress),
    progress: progress[0] ?? '',
    record: statusRecord(file, liveness, exitCode),
    changeKey,
    countsKey,
    done,
    exitCode,
  };
}

function judgeLiveness(file: StatusFileContent, nowMs: number): Liveness {
  if (isFinalPhase(file.phase)) return { state: 'finished' };
  if (isWriterGone(file)) {
    const advice = file.resume_advice ? `; ${file.resume_advice}` : '';
    return {
      state: 'gone',
      reason: `process ${file.pid} is not running; the upload stopped without finishing${advice}`,
    };
  }
  const intervalMs = file.heartbeat_interval_ms ?? ASSUMED_HEARTBEAT_INTERVAL_MS;
  const ageMs = nowMs - file.last_update * 1000;
  if (ageMs <= STALE_AFTER_INTERVALS * intervalMs) return { state: 'live' };
  return {
    state: 'stale',
    reason: `no update for ${formatDuration(ageMs / 1000)}; the upload may be stuck or stopped`,
  };
}

/**
 * The view of a status file, with its `progress` lines (see formatProgressLines). Names and messages come from the
 * file: each line escapes what it takes from there (the reader keeps only numbers in the counters), so it stays on
 * its line and sends the terminal no command.
 */
function renderStatus(
  file: StatusFileContent,
  nowMs: number,
  liveness: Liveness,
  progress: readonly string[],
): string {
  const lines = [
    formatHeadline(file, nowMs, liveness),
    ...formatIdentity(file),
    `Started ${formatLocalTime(file.started_at * 1000)}`,
    ...formatRunError(file, liveness),
    ...progress,
    ...formatGroupTable(file, liveness),
    ...formatInFlight(file, liveness),
    ...formatErrors(file),
  ];
  if (liveness.state === 'stale' || liveness.state === 'gone')
    lines.push('', escapeControls(`STALE: ${liveness.reason}`));
  return lines.join('\n');
}

/**
 * `Upload in progress (pid 4242): uploading, updated 3s ago`, or for an ended run `Upload completed (pid 4242), ended
 * 3s ago`. A run whose process is gone says so first: its file still says uploading, which a glance at the first
 * line would take for a live run.
 */
function formatHeadline(file: StatusFileContent, nowMs: number, liveness: Liveness): string {
  const age = formatDuration(Math.max(0, nowMs / 1000 - file.last_update));
  const pid = `pid ${file.pid || 'unknown'}`;
  const phase = escapeControls(file.phase);
  if (liveness.state === 'gone')
    return `Upload stopped without finishing (pid ${file.pid} is not running), last updated ${age} ago while ${phase}`;
  if (isFinalPhase(file.phase)) return `Upload ${phase} (${pid}), ended ${age} ago`;
  // stopped (Ctrl+C, an error) while its parts in flight finish: it says how it will end before it ends
  if (file.run_error) return `Upload stopping (${pid}): ${phase}, updated ${age} ago`;
  return `Upload in progress (${pid}): ${phase}, updated ${age} ago`;
}

/** `Project RMI25320: D:\survey\RMI25320 -> s3://survey-archive/RMI25320/`, from files that say (newer writers). */
function formatIdentity(file: StatusFileContent): string[] {
  if (file.project_key === undefined) return [];
  const route = file.source && file.destination ? `: ${file.source} -> ${file.destination}` : '';
  return [escapeControls(`Project ${file.project_key}${route}`)];
}

/**
 * The bytes with rate and ETA first, then the files: a line cut at the terminal's edge keeps what a watcher looks
 * for (`Progress: 15.3% of 80.0 GiB (12.3 GiB), 12.3 MiB/s, ETA 1h02m`, `Files: 120/420 (119 uploaded, ...)`).
 * Both count what is stored (uploaded, skipped as already there, and sent of files in flight), not failed files.
 * A run that has ended gives what it sent and its average rate instead: its last rate is no rate any more.
 */
function formatProgressLines(file: StatusFileContent, liveness: Liveness): string[] {
  const { totals } = file;
  // a killed run's requests in flight were never answered: the server holds none of their bytes
  const cutOff = liveness.state === 'gone' ? unansweredBytes(file) : 0;
  const done = storedBytes(file) - cutOff;
  const percent = formatPercent(done, totals.bytes_planned);
  // a run whose process is gone sends nothing more: its last rate and ETA are no rate and no ETA
  const speed =
    isFinalPhase(file.phase) || liveness.state === 'gone'
      ? formatSent(totals.bytes_uploaded, file.last_update - file.started_at)
      : `${formatRate(file.rate_bytes_per_sec)}, ETA ${formatDuration(file.eta_seconds)}`;
  const stored = totals.uploaded + totals.skipped;
  const counts = `${totals.uploaded} uploaded, ${totals.skipped} skipped, ${totals.failed} failed`;
  // a status file of the scripts this tool replaces has no planned bytes
  const held = cutOff > 0 ? ` stored; ${formatBytes(cutOff)} more in requests it never saw answered` : '';
  // all of it stored: the bytes in brackets would repeat the total
  const doneBytes = done === totals.bytes_planned && held === '' ? '' : ` (${formatBytes(done)}${held})`;
  const bytes =
    totals.bytes_planned > 0
      ? `${percent} of ${formatBytes(totals.bytes_planned)}${doneBytes}`
      : `${formatBytes(done)}${held}`;
  return [`Progress: ${bytes}, ${speed}`, `Files: ${stored}/${totals.files} (${counts})`];
}

/** Bytes of the files in flight sent in requests not yet answered (none in a file that does not say). */
function unansweredBytes(file: StatusFileContent): number {
  return file.in_flight.reduce(
    (sum, entry) =>
      sum + Math.max(Math.min(entry.bytes, entry.size) - (entry.bytes_stored ?? entry.bytes), 0),
    0,
  );
}

function formatSent(bytes: number, seconds: number): string {
  const average = bytes > 0 && seconds > 0 ? ` (average ${formatRate(bytes / seconds)})` : '';
  return `sent ${formatBytes(bytes)} in ${formatDuration(Math.max(seconds, 0))}${average}`;
}

function formatRunError(file: StatusFileContent, liveness: Liveness): string[] {
  const error = file.run_error;
  if (!error) return [];
  const how = `exit ${error.exit_code} (${error.meaning}): ${error.message}`;
  const stopping = !isFinalPhase(file.phase) && liveness.state !== 'gone';
  return [escapeControls(stopping ? `Stopping, to ${how}` : `Ended: ${file.phase}, ${how}`)];
}

/** The groups' table, after a blank line. */
function formatGroupTable(file: StatusFileContent, liveness: Liveness): string[] {
  const header = [
    escapeControls(file.group_key.replace(/s$/, '').replaceAll('_', ' ')),
    'files',
    'uploaded',
    'skipped',
    'failed',
    'stored',
    'state',
  ];
  // a run whose process is gone runs no group, whatever its last heartbeat said
  const ended = isFinalPhase(file.phase) ? file.phase : liveness.state === 'gone' ? 'stopped' : undefined;
  const rows = Object.entries(readGroups(file)).map(([name, group]) => [
    escapeControls(name),
    ...groupCells(group, ended),
  ]);
  // a run refused before it planned, or one still planning, has no group to show
  if (rows.length === 0) return [];
  return [
    '',
    ...formatTable([header, ...rows], ['left', 'right', 'right', 'right', 'right', 'right', 'left']),
  ];
}

/** A group an ended (or dead) run never completed shows how the run ended, not `running`. */
function groupCells(group: GroupStatus, runEnded: string | undefined): string[] {
  const stored = group.uploaded + group.skipped;
  const state = group.completed_at !== null ? 'done' : (runEnded ?? 'running');
  return [
    `${stored}/${group.planned_files}`,
    String(group.uploaded),
    String(group.skipped),
    String(group.failed),
    formatBytes(group.bytes_uploaded),
    state,
  ];
}

function formatInFlight(file: StatusFileContent, liveness: Liveness): string[] {
  if (file.in_flight.length === 0) return [];
  const title = liveness.state === 'live' ? 'In flight' : 'Unfinished when the run stopped';
  const lines = file.in_flight.map((entry) => {
    const retry =
      entry.retry && liveness.state === 'live' ? `  ${formatRetryState(entry.retry, file.last_update)}` : '';
    // what a run that died left is what the server holds, which the next run resumes
    const bytes = liveness.state === 'gone' ? (entry.bytes_stored ?? entry.bytes) : entry.bytes;
    return `  ${formatPercent(bytes, entry.size).padStart(6)} ${formatBytes(entry.size).padStart(10)}  ${escapeControls(entry.file)}${retry}`;
  });
  return ['', `${title} (${file.in_flight.length}):`, ...lines];
}

function formatErrors(file: StatusFileContent): string[] {
  if (file.errors.length === 0) return [];
  return ['', `Errors (${file.totals.failed} failed):`, ...listFailures(file).map((line) => `  ${line}`)];
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: unknown }).isTTY === true;
}

/** A file in flight as {@link formatInFlight} writes it: the figures, then the path. */
const IN_FLIGHT_LINE = /^(\s+(?:[\d.]+|--)%\s+[\d.]+ \S+\s{2})(.+)$/;

/**
 * The watch view's lines on a terminal of `columns` and `rows`: each cut to the width at its end (a line's start
 * says what it is), but a file in flight in the middle of its path, which keeps the file's name; rows past the
 * screen are dropped.
 */
export function fitStatusLines(text: string, { columns, rows }: { columns: number; rows: number }): string[] {
  const width = Math.max(columns - 1, 20);
  const lines = text.split('\n').map((line) => {
    const inFlight = IN_FLIGHT_LINE.exec(line);
    if (!inFlight || displayWidth(line) <= width) return truncateEnd(line, width);
    const figures = inFlight[1]!;
    return `${figures}${truncateMiddle(inFlight[2]!, Math.max(width - displayWidth(figures), 8))}`;
  });
  return lines.slice(0, Math.max(rows - 1, 1));
}

function screenOf(stream: NodeJS.WritableStream): { columns: number; rows: number } {
  const { rows } = stream as { rows?: number };
  return { columns: columnsOf(stream), rows: typeof rows === 'number' && rows > 0 ? rows : 24 };
}

function columnsOf(stream: NodeJS.WritableStream): number {
  const { columns } = stream as { columns?: number };
  return typeof columns === 'number' && columns > 0 ? columns : 80;
}
