/**
 * Files up to this size are timed for the ETA's per-file bound: on a fast link such a file takes about a round trip
 * whatever its bytes (a round trip of 20 ms carries a mebibyte at 50 MiB/s). A larger file takes the time of its
 * bytes, which the byte rate measures already, and would make every file left look as slow as a reel.
 */
export const SMALL_FILE_BYTES = 1024 * 1024;

/** The weight of the newest file in the mean: one fifty files old weighs half a percent, whenever it finished. */
const NEWEST_WEIGHT = 0.1;

/**
 * The time a small file of the run takes from its start to its end (waiting for a request slot included),
 * averaged over the last small files uploaded. Averaged per file rather than per second, so that a reel holding
 * the pool for minutes, while no small file finishes, leaves the mean as it was instead of making it unknown.
 */
export class SmallFileTime {
  private meanSeconds: number | undefined;

  /** Counts a file that took `seconds`; a file larger than {@link SMALL_FILE_BYTES} is left out. */
  record(sizeBytes: number, seconds: number): void {
    if (sizeBytes > SMALL_FILE_BYTES || !Number.isFinite(seconds) || seconds < 0) return;
    this.meanSeconds =
      this.meanSeconds === undefined
        ? seconds
        : this.meanSeconds + NEWEST_WEIGHT * (seconds - this.meanSeconds);
  }

  /** The mean in seconds; undefined until a small file was counted. */
  read(): number | undefined {
    return this.meanSeconds;
  }
}
