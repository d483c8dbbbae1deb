import type { RemoteObject } from '../remote/remote-object.js';

const HOUR_MS = 3_600_000;
/** FAT and exFAT store times in 2 s steps, so a copy or a card reader can round an mtime by up to that much. */
const FAT_GRANULARITY_MS = 2_000;

/** The mtime recorded at upload (x-amz-meta-mtime-ms), or undefined when the object has none or it is not a number. */
export function recordedMtimeMs(remote: RemoteObject): number | undefined {
  const text = remote.metadata?.['mtime-ms'];
  if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Says how the local mtime moved from the one recorded at upload, for a file whose content still matches:
 * whole hours (within FAT's 2 s granularity) are the shift a camera card shows after a DST or time-zone change.
 * Undefined when nothing moved.
 */
export function describeMtimeMove(localMtimeMs: number, remote: RemoteObject): string | undefined {
  const recorded = recordedMtimeMs(remote);
  if (recorded === undefined)
    return remote.metadata ? 'no mtime recorded (stored by another tool?)' : undefined;
  const deltaMs = localMtimeMs - recorded;
  if (deltaMs === 0) return undefined;
  const hours = Math.round(deltaMs / HOUR_MS);
  if (hours !== 0 && Math.abs(deltaMs - hours * HOUR_MS) <= FAT_GRANULARITY_MS) {
    return `mtime moved by ${hours} h (FAT/DST shift?)`;
  }
  if (Math.abs(deltaMs) <= FAT_GRANULARITY_MS) return `mtime moved by ${deltaMs} ms (FAT 2 s granularity?)`;
  return `mtime moved by ${formatDuration(deltaMs)}`;
}

function formatDuration(deltaMs: number): string {
  const seconds = deltaMs / 1000;
  if (Math.abs(seconds) < 120) return `${seconds.toFixed(1)} s`;
  if (Math.abs(seconds) < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
