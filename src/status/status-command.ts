import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes, formatDuration, formatLocalTime, formatPercent, truncateLeft } from './format.js';
import { createLiveBlock } from './live-block.js';
import { isFinalPhase, readGroups, type GroupStatus } from './status-snapshot.js';
import { readStatusFile, type StatusFileContent } from './status-file.js';
import { listFailures } from './summary.js';
import { formatTable } from './text-table.js';
import { formatProgressLine } from './view-lines.js';
import { isProcessAlive } from '../process-alive.js';

export interface RenderOptions {
  /** Milliseconds since the epoch to judge the age against; injectable for tests. */
  nowMs?: number;
}

export interface WatchOptions {
  intervalMs: number;
  stream: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** Staleness is judged against this interval when the file does not name its own. */
const ASSUMED_HEARTBEAT_INTERVAL_MS = 30_000;
const STALE_AFTER_INTERVALS = 3;

type Liveness = { state: 'finished' | 'live' } | { state: 'stale' | 'gone'; reason: string };

/**
 * Reads the status file at `path` (see `readStatusFile`) and renders it for a person: phase, writer
 * process, age of the last update, overall progress, a table per group, files in flight and recent
 * errors. Says STALE when a running upload has not updated the file for three heartbeat intervals or
 * its process is gone.
 * @throws ConfigError when the file cannot be read or is not a status file.
 */
export async function renderStatusFile(path: string, options: RenderOptions = {}): Promise<string> {
  const file = await readStatusFile(path);
  const nowMs = options.nowMs ?? Date.now();
  return renderStatus(file, nowMs, judgeLiveness(file, nowMs));
}

/**
 * Re-renders the status file every `intervalMs` until its phase is final, its writer process is gone,
 * or `signal` aborts (a merely stale file is watched on: a sleeping laptop wakes up). On a terminal the view is redrawn in place; elsewhere it is printed again only
 * when the counts change. A missing or unreadable file is shown as such and waited for.
 */
export async function watchStatusFile(path: string, options: WatchOptions): Promise<void> {
  const { intervalMs, stream, signal } = options;
  const live = isTerminal(stream) ? createLiveBlock(stream) : undefined;
  let lastChangeKey = '';
  while (signal?.aborted !== true) {
    const frame = await readFrame(path);
    if (live !== undefined) live.draw([], fitToTerminal(frame.text, stream));
    else if (frame.changeKey !== lastChangeKey) stream.write(`${frame.text}\n\n`);
    lastChangeKey = frame.changeKey;
    if (frame.done) return;
    await sleep(intervalMs, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
  }
}

async function readFrame(path: string): Promise<{ text: string; changeKey: string; done: boolean }> {
  let file: StatusFileContent;
  try {
    file = await readStatusFile(path);
  } catch (error) {
    const text = `waiting for ${path}: ${error instanceof Error ? error.message : String(error)}`;
    return { text, changeKey: text, done: false };
  }
  const nowMs = Date.now();
  const liveness = judgeLiveness(file, nowMs);
  const changeKey = JSON.stringify([
    file.phase,
    file.totals,
    file.in_flight.map((entry) => entry.file),
    liveness,
  ]);
  const done = liveness.state === 'finished' || liveness.state === 'gone';
  return { text: renderStatus(file, nowMs, liveness), changeKey, done };
}

function judgeLiveness(file: StatusFileContent, nowMs: number): Liveness {
  if (isFinalPhase(file.phase)) return { state: 'finished' };
  // A pid means something only on the machine that wrote it; the file may sit on a network share.
  if (file.pid > 0 && file.hostname === hostname() && !isProcessAlive(file.pid)) {
    return {
      state: 'gone',
      reason: `process ${file.pid} is not running; the upload stopped without finishing`,
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

function renderStatus(file: StatusFileContent, nowMs: number, liveness: Liveness): string {
  const ageSeconds = Math.max(0, nowMs / 1000 - file.last_update);
  const lines = [
    `Upload ${file.phase} (pid ${file.pid || 'unknown'}), updated ${formatDuration(ageSeconds)} ago`,
    `Started ${formatLocalTime(file.started_at * 1000)}`,
    `Progress: ${formatProgressLine(file)}`,
    '',
    ...formatGroupTable(file),
    ...formatInFlight(file),
    ...formatErrors(file),
  ];
  if (liveness.state === 'stale' || liveness.state === 'gone') lines.push('', `STALE: ${liveness.reason}`);
  return lines.join('\n');
}

function formatGroupTable(file: StatusFileContent): string[] {
  const header = [
    file.group_key.replace(/s$/, '').replaceAll('_', ' '),
    'files',
    'uploaded',
    'skipped',
    'failed',
    'sent',
    'state',
  ];
  const rows = Object.entries(readGroups(file)).map(([name, group]) => [name, ...groupCells(group)]);
  return formatTable([header, ...rows], ['left', 'right', 'right', 'right', 'right', 'right', 'left']);
}

function groupCells(group: GroupStatus): string[] {
  const finished = group.uploaded + group.skipped + group.failed;
  const state = group.completed_at === null ? 'running' : 'done';
  return [
    `${finished}/${group.planned_files}`,
    String(group.uploaded),
    String(group.skipped),
    String(group.failed),
    formatBytes(group.bytes_uploaded),
    state,
  ];
}

function formatInFlight(file: StatusFileContent): string[] {
  if (file.in_flight.length === 0) return [];
  const lines = file.in_flight.map(
    (entry) =>
      `  ${formatPercent(entry.bytes, entry.size).padStart(6)} ${formatBytes(entry.size).padStart(10)}  ${entry.file}`,
  );
  return ['', `In flight (${file.in_flight.length}):`, ...lines];
}

function formatErrors(file: StatusFileContent): string[] {
  if (file.errors.length === 0) return [];
  return ['', `Errors (${file.totals.failed} failed):`, ...listFailures(file).map((line) => `  ${line}`)];
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: unknown }).isTTY === true;
}

/** Truncates lines to the width and drops rows past the screen: the live block must fit on it. */
function fitToTerminal(text: string, stream: NodeJS.WritableStream): string[] {
  const { columns, rows } = stream as { columns?: number; rows?: number };
  const width = Math.max((columns ?? 80) - 1, 20);
  const lines = text.split('\n').map((line) => truncateLeft(line, width));
  return lines.slice(0, Math.max((rows ?? 24) - 1, 1));
}
