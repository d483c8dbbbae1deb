/**
 * Pure formatting of sizes, rates, durations, percentages and paths for human output. Every function
 * returns plain ASCII (apart from the input path itself), so the old Windows console shows it as is.
 */

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
const UNKNOWN = '--';

/** Formats a byte count in binary units with one decimal: `512 B`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return UNKNOWN;
  let value = bytes;
  let unit = 0;
  // Rounding happens before choosing the unit so 1023.96 KiB shows as 1.0 MiB, not 1024.0 KiB.
  while (unit < BINARY_UNITS.length - 1 && Math.round(value * 10) / 10 >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${BINARY_UNITS[unit]}`;
}

/** A count with its noun: `1 file`, `0 files`, `3 files`; `plural` for nouns not made plural by an s. */
export function formatCount(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** Formats a transfer rate: `12.3 MiB/s`. */
export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

/**
 * Formats a duration: `1h02m` from an hour, `3m05s` from a minute, `12s` from ten seconds and
 * `1.2s` below that; `--` for an unknown (null, negative or infinite) duration.
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return UNKNOWN;
  if (seconds < 10) return `${(Math.floor(seconds * 10) / 10).toFixed(1)}s`;
  const whole = Math.floor(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad2(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad2(Math.floor((whole % 3600) / 60))}m`;
}

/**
 * Formats `part` of `whole` as a percentage with one decimal, rounded down so that 100.0% means
 * done; `--` when `whole` is not positive.
 */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0)) return `${UNKNOWN}%`;
  const clamped = Math.min(Math.max(part / whole, 0), 1);
  return `${(Math.floor(clamped * 1000) / 10).toFixed(1)}%`;
}

/** Formats a time as local `YYYY-MM-DD HH:MM:SS`, the stamp of plain log lines. */
export function formatLocalTime(timeMs: number): string {
  const d = new Date(timeMs);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
