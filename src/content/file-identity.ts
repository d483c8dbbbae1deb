/** The size and modification time a file had when it was planned: what says "the same file" between two looks. */
export interface FileIdentity {
  sizeBytes: number;
  mtimeMs: number;
}

/**
 * What else a file system changes when a file's bytes change: the inode-change time (ctime; on Windows the NTFS
 * change time) moves on every write, and a tool that restores the mtime after an edit cannot set it back; the
 * inode (file index on Windows) tells a file replaced under the same name. Together with size and mtime it says
 * "unchanged" well enough to trust a digest computed earlier.
 */
export interface ChangeStamp {
  ctimeMs: number;
  ino: number;
}

/** A file's identity plus, where the OS gives one, its file id: the same file under any spelling of its path. */
export interface FileFingerprint extends FileIdentity {
  /** `<device>:<inode>` (on Windows Node reports the file index as the inode); absent when the OS gives none. */
  fileId?: string | undefined;
}

/**
 * How a file compares with a recorded fingerprint: `same`; `clock-shifted` when size and file id match and the
 * mtime moved by whole hours (FAT/exFAT volumes store local time, so a DST change or another time zone moves
 * every mtime by an hour) or by at most 2 s (FAT's 2-second granularity); `different` otherwise. A shifted
 * mtime is only forgiven with a file id on both sides, so the bytes still deserve a check by the caller.
 */
export function compareFingerprints(
  recorded: FileFingerprint,
  current: FileFingerprint,
): 'same' | 'clock-shifted' | 'different' {
  if (recorded.sizeBytes !== current.sizeBytes) return 'different';
  const bothIds = recorded.fileId !== undefined && current.fileId !== undefined;
  if (bothIds && recorded.fileId !== current.fileId) return 'different';
  if (recorded.mtimeMs === current.mtimeMs) return 'same';
  return bothIds && isClockShift(current.mtimeMs - recorded.mtimeMs) ? 'clock-shifted' : 'different';
}

const HOUR_MS = 3_600_000;
/** Time zones span UTC-12 to UTC+14: no clock shift of a stored local time is bigger. */
const MAX_SHIFT_HOURS = 26;

function isClockShift(deltaMs: number): boolean {
  const abs = Math.abs(deltaMs);
  return abs <= 2_000 || (abs % HOUR_MS === 0 && abs / HOUR_MS <= MAX_SHIFT_HOURS);
}

/**
 * The file id of a `stat(..., { bigint: true })` result, or undefined when the file system reports no inode
 * (0): bigint, because a Windows file index does not fit a double.
 */
export function fileIdOf(stats: { dev: bigint; ino: bigint }): string | undefined {
  return stats.ino === 0n ? undefined : `${stats.dev}:${stats.ino}`;
}
