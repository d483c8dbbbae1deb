import { LEFT_OUT_REASONS, type LeftOutFile } from '../collector/left-out.js';
import { escapeControls } from './control-escapes.js';
import { wrapWords } from './display-width.js';
import { formatBytes, formatCount, formatDuration, formatRate } from './format.js';
import { readGroups, type StatusSnapshot, type TotalsStatus } from './status-snapshot.js';
import { formatTableToFit } from './text-table.js';
import { withoutPath } from './view-lines.js';

type OutcomeCounts = Pick<
  TotalsStatus,
  'uploaded' | 'skipped' | 'failed' | 'bytes_done' | 'bytes_skipped' | 'bytes_failed'
>;

/**
 * Formats the end-of-run summary: a title with the phase and elapsed time, a table with one row per
 * group and a total row (files and bytes uploaded, skipped and failed), the `leftOut` lines (what the plan
 * left out, from summarizeLeftOut) and a line with the bytes uploaded and the average rate. Plain ASCII lines
 * (file paths aside) joined with `\n`, no trailing newline. With `width` (the columns of a terminal) every line
 * fits in it: sentences are broken at spaces, and a table wider than the terminal becomes one record per group.
 * Without it (a file or a pipe) lines are never broken and the table is always a table.
 */
export function formatSummary(
  snapshot: StatusSnapshot,
  elapsedMs: number,
  leftOut: readonly string[] = [],
  width?: number,
): string {
  const elapsedSeconds = elapsedMs / 1000;
  const { totals } = snapshot;
  // on a terminal the sentences are broken at spaces, not by the terminal mid-word
  const fit = (line: string): string[] => (width === undefined ? [line] : wrapWords(line, width));
  const title = `Upload ${snapshot.phase} in ${formatDuration(elapsedSeconds)}: ${formatCount(totals.files, 'file')} planned`;
  const footer = formatSentLine(totals, elapsedSeconds);
  const leftOutLines = leftOut.flatMap((line) => fit(escapeControls(line)));
  return [
    ...fit(title),
    '',
    ...formatGroupTable(snapshot, width),
    ...notDone(snapshot).flatMap(fit),
    ...leftOutLines,
    '',
    ...fit(footer),
  ].join('\n');
}

/**
 * `Sent 24.0 MiB in 1.3s (average 17.3 MiB/s)`: the content this run stored, each byte once, and the rate of that;
 * then what an earlier run had stored, the requests sent again and, when more went on the wire than was stored
 * (attempts that failed, files that failed), how much.
 */
function formatSentLine(totals: TotalsStatus, elapsedSeconds: number): string {
  const sent = totals.bytes_uploaded;
  const rate = elapsedSeconds > 0 ? formatRate(sent / elapsedSeconds) : formatRate(0);
  // bytes an earlier run stored are not this run's work: said apart, never in the rate
  const resumed =
    totals.bytes_resumed > 0 ? `; ${formatBytes(totals.bytes_resumed)} resumed, already stored` : '';
  const average = sent > 0 ? ` (average ${rate})` : '';
  const retries = totals.retries > 0 ? `; ${formatCount(totals.retries, 'request')} sent again` : '';
  const wire = totals.bytes_sent > sent ? `; ${formatBytes(totals.bytes_sent)} on the wire` : '';
  return `Sent ${formatBytes(sent)} in ${formatDuration(elapsedSeconds)}${average}${resumed}${retries}${wire}`;
}

/**
 * What a run stopped part-way did not get to: files neither sent, skipped nor failed. An interrupted run leaves them
 * to the next; a run ended by an error names them only, since the next run meets the same error unless it is fixed.
 */
function notDone({ phase, totals }: StatusSnapshot): string[] {
  const files = totals.files - totals.uploaded - totals.skipped - totals.failed;
  if (files <= 0) return [];
  const bytes = Math.max(totals.bytes_planned - totals.bytes_done - totals.bytes_failed, 0);
  const next = phase === 'interrupted' ? ', left for the next run' : '';
  return [`not done: ${formatCount(files, 'file')} (${formatBytes(bytes)})${next}`];
}

/**
 * Returns one line per failed file kept in the snapshot (`<file> -> <key>: <error>`, control characters escaped), and a last
 * line counting the failures the snapshot no longer holds (it keeps the last 100).
 */
export function listFailures(snapshot: StatusSnapshot): string[] {
  const lines = snapshot.errors.map(({ file, key, error }) => {
    const reason = withoutPath(error, file);
    return escapeControls(key ? `${file} -> ${key}: ${reason}` : `${file}: ${reason}`);
  });
  const dropped = snapshot.totals.failed - snapshot.errors.length;
  if (dropped > 0) lines.push(`... and ${dropped} earlier failures; see the CSV log for all of them`);
  return lines;
}

/**
 * The table of groups, or on a terminal narrower than it one record per group (`logs: uploaded 15 (182 B), skipped
 * 0 (0 B), failed 0 (0 B)`, see formatTableToFit).
 */
function formatGroupTable(snapshot: StatusSnapshot, width: number | undefined): string[] {
  const header = [groupTitle(snapshot.group_key), 'uploaded', 'skipped', 'failed'];
  const rows = Object.entries(readGroups(snapshot)).map(([name, group]) => [
    escapeControls(name),
    ...outcomeCells(group),
  ]);
  const totalRow = ['total', ...outcomeCells(snapshot.totals)];
  return formatTableToFit([header, ...rows, totalRow], ['left', 'right', 'right', 'right'], width);
}

function outcomeCells(counts: OutcomeCounts): string[] {
  return [
    countCell(counts.uploaded, counts.bytes_done - counts.bytes_skipped),
    countCell(counts.skipped, counts.bytes_skipped),
    countCell(counts.failed, counts.bytes_failed),
  ];
}

function countCell(files: number, bytes: number): string {
  return `${files} (${formatBytes(bytes)})`;
}

/** `folder_types` → `folder type`, `reels` → `reel`: the word for one group. */
function groupTitle(groupKey: string): string {
  return groupKey.replace(/s$/, '').replaceAll('_', ' ');
}

/** Left-out files per reason, every reason present (0 when none), for a schema scripts can rely on. */
export function countLeftOut(leftOut: readonly LeftOutFile[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(LEFT_OUT_REASONS.map((reason) => [reason, 0]));
  for (const entry of leftOut) counts[entry.reason] = (counts[entry.reason] ?? 0) + 1;
  return counts;
}
