/** A rate window read at one moment. */
export interface RateReading {
  bytesPerSecond: number;
  bytesInWindow: number;
  /** Time since measuring started. */
  measuredMs: number;
}

/**
 * Transfer rate over a sliding window, kept in fixed one-second buckets so that recording a progress
 * delta costs a few arithmetic operations and memory stays constant however many deltas arrive.
 */
export class RateWindow {
  private readonly bucketBytes: number[];
  private readonly bucketIndex: number[];

  /**
   * @param startMs when measuring starts; the rate is averaged over less than the window until the
   *   window has filled, so the first seconds are not diluted by time before the start.
   * @param windowMs length of the window; a whole number of `bucketMs`.
   */
  constructor(
    private readonly startMs: number,
    private readonly windowMs = 10_000,
    private readonly bucketMs = 1_000,
  ) {
    const bucketCount = Math.max(1, Math.round(windowMs / bucketMs));
    this.bucketBytes = new Array<number>(bucketCount).fill(0);
    this.bucketIndex = new Array<number>(bucketCount).fill(-1);
  }

  /** Adds `bytes` sent at `nowMs`. */
  record(bytes: number, nowMs: number): void {
    const index = Math.floor(nowMs / this.bucketMs);
    const slot = index % this.bucketBytes.length;
    if (this.bucketIndex[slot] !== index) {
      this.bucketIndex[slot] = index;
      this.bucketBytes[slot] = 0;
    }
    this.bucketBytes[slot] = (this.bucketBytes[slot] ?? 0) + bytes;
  }

  /**
   * Returns what the window holds at `nowMs`, summed once: the average rate over it (0 when no time has passed), the
   * bytes in it, and how long the rate has been measured.
   */
  read(nowMs: number): RateReading {
    const currentIndex = Math.floor(nowMs / this.bucketMs);
    const oldestIndex = currentIndex - this.bucketBytes.length + 1;
    const bytesInWindow = this.sumFrom(oldestIndex, currentIndex);
    const spanStartMs = Math.max(this.startMs, oldestIndex * this.bucketMs);
    const spanMs = Math.min(this.windowMs, nowMs - spanStartMs);
    const bytesPerSecond = spanMs <= 0 ? 0 : (bytesInWindow * 1000) / spanMs;
    return { bytesPerSecond, bytesInWindow, measuredMs: nowMs - this.startMs };
  }

  private sumFrom(oldestIndex: number, currentIndex: number): number {
    let sum = 0;
    this.bucketIndex.forEach((index, slot) => {
      if (index >= oldestIndex && index <= currentIndex) sum += this.bucketBytes[slot] ?? 0;
    });
    return sum;
  }
}
