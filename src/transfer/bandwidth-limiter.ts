import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../monotonic-clock.js';

/** Paces bytes across all workers; `take` resolves when the bytes may be sent. */
export interface BandwidthLimiter {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

const UNLIMITED: BandwidthLimiter = { take: async () => {} };

/**
 * Credit saved up while nothing is sent, as a share of a second's worth. A whole second's worth let a
 * 57 MiB run capped at 19 MiB/s average 23 MiB/s (the bucket fills while the run plans); an eighth keeps any
 * run within 1/8 s of the cap, which a link shared with a crew's other traffic is set for.
 */
const BURST_SECONDS = 1 / 8;

/**
 * A token bucket shared by every request: `bytesPerSecond` on average, with a burst of an eighth of a
 * second's worth (see {@link BURST_SECONDS}). 0 means unlimited. A take larger than the burst waits for
 * its whole deficit, so the average holds for any slice size.
 */
export function createBandwidthLimiter(
  bytesPerSecond: number,
  now: () => number = monotonicMs,
): BandwidthLimiter {
  if (bytesPerSecond <= 0) return UNLIMITED;
  const burst = bytesPerSecond * BURST_SECONDS;
  let tokens = burst;
  let last = now();
  let chain = Promise.resolve();
  const refill = () => {
    const current = now();
    tokens = Math.min(burst, tokens + ((current - last) / 1000) * bytesPerSecond);
    last = current;
  };
  const takeInOrder = async (bytes: number, signal?: AbortSignal) => {
    refill();
    tokens -= bytes;
    if (tokens < 0) await sleep((-tokens / bytesPerSecond) * 1000, undefined, { signal });
  };
  return {
    take(bytes, signal) {
      // Serialised so that waiting callers are served in arrival order, not all at once.
      const turn = chain.then(() => takeInOrder(bytes, signal));
      chain = turn.catch(() => {});
      return turn;
    },
  };
}
