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

/** Where a run is, for its ETA: its phase, its totals and the bytes of its files in flight (sent or resumed). */
export interface EtaInput {
  phase: Phase;
  totals: Pick<TotalsStatus, 'bytes_planned' | 'bytes_done' | 'bytes_failed'>;
  inFlightBytes: number;
  /** The rate window read now; undefined before the first file starts. */
  rate: RateReading | undefined;
}

/**
 * The seconds a run has left at its current rate: the bytes planned less those done, failed and in flight. 0 once
 * completed; null in another final phase, with nothing planned, and until the rate says something about the link
 * (see MIN_ETA_MEASURED_MS).
 */
export function estimateEtaSeconds({ phase, totals, inFlightBytes, rate }: EtaInput): number | null {
  if (phase === 'completed') return 0;
  const bytesPerSecond = rate?.bytesPerSecond ?? 0;
  if (isFinalPhase(phase) || bytesPerSecond <= 0 || totals.bytes_planned <= 0) return null;
  if (rate === undefined || !isRateSettled(rate)) return null;
  const remaining = totals.bytes_planned - totals.bytes_done - totals.bytes_failed - inFlightBytes;
  return Math.max(0, remaining) / bytesPerSecond;
}

function isRateSettled({ measuredMs, bytesInWindow }: RateReading): boolean {
  if (measuredMs < MIN_ETA_MEASURED_MS) return false;
  return bytesInWindow >= MIN_ETA_WINDOW_BYTES || measuredMs >= SLOW_LINK_MEASURED_MS;
}
