/**
 * Reads back what a CLI run reported in its three places (the CSV log, the status JSON, the summary on stdout),
 * so integration tests can check that they tell the same story.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

/** Files per outcome. */
export interface OutcomeCounts {
  uploaded: number;
  skipped: number;
  failed: number;
}

/** One row of the CSV log, as parsed by csv-parse with the header line as column names. */
export interface LogRow {
  time: string;
  file: string;
  key: string;
  size_bytes: string;
  mtime_ms: string;
  outcome: string;
  reason: string;
  sha256: string;
  etag: string;
  seconds: string;
  error: string;
}

/** Where a run keeps its CSV log and status file when neither --log-csv nor --status-json is given. */
export function defaultRunFiles(
  stateDir: string,
  bucket: string,
  projectKey: string,
): { logCsv: string; statusJson: string } {
  const runDir = path.join(stateDir, 'runs', bucket, projectKey);
  return { logCsv: path.join(runDir, 'upload-log.csv'), statusJson: path.join(runDir, 'status.json') };
}

/** Every row of the CSV log at `csvPath` (strictly parsed: a malformed file throws); [] when there is none. */
export async function readLogRows(csvPath: string): Promise<LogRow[]> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parse(text, { columns: true, skip_empty_lines: true, bom: true }) as LogRow[];
}

/**
 * Counts files per outcome: one per file row, and for a run's `unchanged` row the skipped files its reason counts.
 * Throws on any other outcome.
 */
export function countOutcomes(rows: readonly LogRow[]): OutcomeCounts {
  const counts: OutcomeCounts = { uploaded: 0, skipped: 0, failed: 0 };
  for (const row of rows) {
    if (row.outcome === 'unchanged') counts.skipped += unchangedFiles(row);
    else if (row.outcome in counts) counts[row.outcome as keyof OutcomeCounts] += 1;
    else throw new Error(`CSV row for ${row.key} has outcome '${row.outcome}'`);
  }
  return counts;
}

/** The number of files an `unchanged` row stands for. */
export function unchangedFiles(row: LogRow): number {
  const count = /^(\d+) files? unchanged since this log recorded them/.exec(row.reason)?.[1];
  if (count === undefined) throw new Error(`unchanged row without a file count: '${row.reason}'`);
  return Number(count);
}

/** The log rows about single files: all but the `unchanged` row a rerun writes for the files the log settled. */
export function fileRows(rows: readonly LogRow[]): LogRow[] {
  return rows.filter((row) => row.outcome !== 'unchanged');
}

/**
 * The file counts of the summary's `total` row (`total  4 (20.0 MiB)  0 (0 B)  0 (0 B)`: uploaded, skipped,
 * failed). Throws when stdout holds no summary.
 */
export function parseSummaryTotals(stdout: string): OutcomeCounts {
  const match = /^total\s+(\d+) \([^)]*\)\s+(\d+) \([^)]*\)\s+(\d+) \([^)]*\)\s*$/m.exec(stdout);
  if (!match) throw new Error(`no summary total row in stdout:\n${stdout}`);
  return { uploaded: Number(match[1]), skipped: Number(match[2]), failed: Number(match[3]) };
}

/** The status file's totals, as written by the run. */
export interface StatusTotals extends OutcomeCounts {
  files: number;
  bytes_uploaded: number;
}

/** Parses the status JSON at `statusPath`. */
export async function readStatusJson(
  statusPath: string,
): Promise<Record<string, unknown> & { phase: string; totals: StatusTotals }> {
  return JSON.parse(await readFile(statusPath, 'utf8')) as Record<string, unknown> & {
    phase: string;
    totals: StatusTotals;
  };
}

/** The outcome counts of a totals object, without its other fields. */
export function pickOutcomes(totals: OutcomeCounts): OutcomeCounts {
  return { uploaded: totals.uploaded, skipped: totals.skipped, failed: totals.failed };
}
