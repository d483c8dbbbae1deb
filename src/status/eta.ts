import type { RateReading } from './rate-window.js';
import { isFinalPhase, type Phase, type TotalsStatus } from './status-snapshot.js';

/**
 * An ETA needs a rate measured this long and over this many bytes in its window: the first seconds of a run measure
 * how long small files take to be answered, not the link (ETA 2515h while the reels had not started), and a rate of
 * a few kilobytes says as little. A slow link that never sends that many bytes in a window gets its ETA once the rate
 * has been measured for SLOW_LINK_MEASURED_MS.
 */
const MIN_ETA_MEASURED_MS = 5_000;
const MIN_ETA_WINDOW_BYTES = 1024 * 1024;
const SLOW_LINK_MEASURED_MS = 30_000;

/** While a file is left the ETA is at least this, the least a duration shows as: a run with files left is not done. */
const MIN_SECONDS_WHILE_FILES_LEFT = 0.1;

/** Where a run is, for its ETA: its phase, its totals and the bytes of its files in flight (sent or resumed). */
export interface EtaInput {
  phase: Phase;
  totals: Pick<
    TotalsStatus,
    'files' | 'uploaded' | 'skipped' | 'failed' | 'bytes_planned' | 'bytes_done' | 'bytes_failed'
  >;
  inFlightBytes: number;
  /** The rate window read now; undefined before the first file starts. */
  rate: RateReading | undefined;
  /** The recent time of a small file, start to end (see SmallFileTime); undefined before one was uploaded. */
  smallFileSeconds: number | undefined;
  /** The most files seen in flight at once: how many small files go side by side. */
  filesSideBySide: number;
}

/**
 * The seconds a run has left: the larger of two bounds, since the link and the requests each take their time and
 * whichever is slower sets the pace. The bytes' bound is the bytes not yet sent (planned less done, failed and in
 * flight) at the current rate; the files' bound is the files not yet finished, in flight ones included, taken
 * `filesSideBySide` at a time at the recent time of a small file. Bytes alone say nothing of a thousand small files
 * left (1.6 MiB at 50 MiB/s reads 0.03 s), and files alone nothing of a reel's bytes.
 *
 * 0 once completed; null in another final phase, with nothing planned, until the rate says something about the link
 * (see MIN_ETA_MEASURED_MS) while bytes are left, and when the bytes are all sent but no small file has been timed
 * yet. Never less than a tenth of a second while a file is left.
 */
export function estimateEtaSeconds(input: EtaInput): number | null {
  const { phase, totals } = input;
  if (phase === 'completed') return 0;
  if (isFinalPhase(phase) || (totals.files <= 0 && totals.bytes_planned <= 0)) return null;
  const bytesSeconds = estimateBytesSeconds(input);
  if (bytesSeconds === undefined) return null;
  const filesLeft = Math.max(0, totals.files - totals.uploaded - totals.skipped - totals.failed);
  if (filesLeft === 0) return bytesSeconds;
  const filesSeconds = estimateFilesSeconds(filesLeft, input);
  // with every byte sent and no file timed, what is left is requests that nothing has measured
  if (filesSeconds === undefined && bytesSeconds === 0) return null;
  return Math.max(bytesSeconds, filesSeconds ?? 0, MIN_SECONDS_WHILE_FILES_LEFT);
}

/** The bytes not yet sent at the current rate: 0 when none are left, undefined while the rate is not settled. */
function estimateBytesSeconds({ totals, inFlightBytes, rate }: EtaInput): number | undefined {
  const left = Math.max(0, totals.bytes_planned - totals.bytes_done - totals.bytes_failed - inFlightBytes);
  if (left === 0) return 0;
  if (rate === undefined || rate.bytesPerSecond <= 0 || !isRateSettled(rate)) return undefined;
  return left / rate.bytesPerSecond;
}

/**
 * `filesLeft` files going `filesSideBySide` at a time, each round taking the time of a small file: a pool's rounds,
 * so the last file in flight still counts a whole file's time. Undefined before a small file was timed.
 */
function estimateFilesSeconds(
  filesLeft: number,
  { smallFileSeconds, filesSideBySide }: EtaInput,
): number | undefined {
  if (smallFileSeconds === undefined || !(smallFileSeconds > 0)) return undefined;
  return Math.ceil(filesLeft / Math.max(1, filesSideBySide)) * smallFileSeconds;
}

function isRateSettled({ measuredMs, bytesInWindow }: RateReading): boolean {
  if (measuredMs < MIN_ETA_MEASURED_MS) return false;
  return bytesInWindow >= MIN_ETA_WINDOW_BYTES || measuredMs >= SLOW_LINK_MEASURED_MS;
}
