import type { OnBytesSent } from '../status/status-tracker.js';

/**
 * Wraps a file's byte callback for one range of it (a part, or the whole file sent in one request), which may go out
 * in several attempts: the bytes up to the range's length are reported as `new`, and every byte past it, which a
 * later attempt sends again, as `resent`. Progress and the bytes uploaded so count each byte of the range once, and
 * the bytes sent count every one.
 */
export function rangeProgress(onBytes: OnBytesSent, lengthBytes: number): (deltaBytes: number) => void {
  let sentBytes = 0;
  return (deltaBytes) => {
    const fresh = Math.max(Math.min(deltaBytes, lengthBytes - sentBytes), 0);
    sentBytes += deltaBytes;
    if (fresh > 0) onBytes(fresh, 'new');
    if (deltaBytes > fresh) onBytes(deltaBytes - fresh, 'resent');
  };
}
