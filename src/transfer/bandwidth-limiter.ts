import { setTimeout as sleep } from 'node:timers/promises';

/** Paces bytes across all workers; `take` resolves when the bytes may be sent. */
export interface BandwidthLimiter {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

const UNLIMITED: BandwidthLimiter = { take: async () => {} };

/**
 * A token bucket shared by every request: `bytesPerSecond` on average, with a burst of one
 * second's worth, so a shared field link keeps room for other traffic. 0 means unlimited.
 */
export function createBandwidthLimiter(
  bytesPerSecond: number,
  now: () => number = performance.now.bind(performance),
): BandwidthLimiter {
  if (bytesPerSecond <= 0) return UNLIMITED;
  let tokens = bytesPerSecond;
  let last = now();
  let chain = Promise.resolve();
  const refill = () => {
    const current = now();
    tokens = Math.min(bytesPerSecond, tokens + ((current - last) / 1000) * bytesPerSecond);
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
