import { setTimeout as sleep } from 'node:timers/promises';
import {
  limitsAtAll,
  rateAt,
  type BandwidthSchedule,
  type RateInForce,
} from '../config/bandwidth-schedule.js';
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

/** The clocks a limiter reads: monotonic milliseconds for pacing, the wall clock for a timetable. */
export interface LimiterClocks {
  now: () => number;
  wallClock: () => Date;
}

const SYSTEM_CLOCKS: LimiterClocks = { now: monotonicMs, wallClock: () => new Date() };

/**
 * A token bucket shared by every request: the schedule's rate on average, with a burst of an eighth of a
 * second's worth (see {@link BURST_SECONDS}); a rate of 0 is no limit. A take larger than the burst waits for
 * its whole deficit, so the average holds for any slice size. Under a timetable the rate is looked up again
 * once its entry's time is up (`onChange` is told), and the bucket starts full at the new rate.
 */
export function createBandwidthLimiter(
  schedule: BandwidthSchedule,
  clocks: Partial<LimiterClocks> = {},
  onChange?: (inForce: RateInForce, at: Date) => void,
): BandwidthLimiter {
  if (!limitsAtAll(schedule)) return UNLIMITED;
  const { now, wallClock } = { ...SYSTEM_CLOCKS, ...clocks };
  let inForce = rateAt(schedule, wallClock());
  let rate = inForce.entry.bytesPerSecond;
  let tokens = rate * BURST_SECONDS;
  let last = now();
  let chain = Promise.resolve();
  const followTimetable = () => {
    if (!inForce.until) return;
    const date = wallClock();
    if (date < inForce.until) return;
    inForce = rateAt(schedule, date);
    rate = inForce.entry.bytesPerSecond;
    tokens = rate * BURST_SECONDS;
    onChange?.(inForce, date);
  };
  const refill = () => {
    const current = now();
    tokens = Math.min(rate * BURST_SECONDS, tokens + ((current - last) / 1000) * rate);
    last = current;
  };
  const takeInOrder = async (bytes: number, signal?: AbortSignal) => {
    // a request given up before its turn (a stop let the others in flight finish) sends nothing: it takes nothing
    signal?.throwIfAborted();
    followTimetable();
    if (rate === 0) return;
    refill();
    tokens -= bytes;
    if (tokens >= 0) return;
    await sleep((-tokens / rate) * 1000, undefined, { signal }).catch((error: unknown) => {
      // nor does one given up while it waits: the requests still sending get its share of the link
      tokens += bytes;
      throw error;
    });
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
