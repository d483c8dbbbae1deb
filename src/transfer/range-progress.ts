import type { OnBytesSent } from '../status/status-tracker.js';

/** The byte callback of one range of a file, and the way to give its bytes back when the range is not stored. */
export interface RangeProgress {
  (deltaBytes: number): void;
  /**
   * Takes back the range's bytes counted as `new` (as `withdrawn`): its request was given up before the server
   * stored it (the run stopped while it was in flight), so the next run sends it again and it is no content uploaded.
   */
  withdraw(): void;
  /** Tells that the server stored the range and the journal holds it (as `stored`): nothing of it is in flight. */
  confirm(): void;
}

/**
 * Wraps a file's byte callback for one range of it (a part, or the whole file sent in one request), which may go out
 * in several attempts: the bytes up to the range's length are reported as `new`, and every byte past it, which a
 * later attempt sends again, as `resent`. Progress and the bytes uploaded so count each byte of the range once, and
 * the bytes sent count every one.
 */
export function rangeProgress(onBytes: OnBytesSent, lengthBytes: number): RangeProgress {
  let sentBytes = 0;
  const progress = (deltaBytes: number) => {
    const fresh = Math.max(Math.min(deltaBytes, lengthBytes - sentBytes), 0);
    sentBytes += deltaBytes;
    if (fresh > 0) onBytes(fresh, 'new');
    if (deltaBytes > fresh) onBytes(deltaBytes - fresh, 'resent');
  };
  return Object.assign(progress, {
    withdraw() {
      const counted = Math.min(sentBytes, lengthBytes);
      sentBytes = 0;
      if (counted > 0) onBytes(counted, 'withdrawn');
    },
    confirm() {
      const counted = Math.min(sentBytes, lengthBytes);
      if (counted > 0) onBytes(counted, 'stored');
    },
  });
}
