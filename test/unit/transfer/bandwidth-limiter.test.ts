/**
 * The token bucket's arithmetic runs on an injected clock; only its waits are real timers. A take that needs
 * no wait settles within the current turn of the event loop, and one that needs a wait of 200 ms does not, so
 * most checks need no timing at all; the one that measures a wait keeps its bounds loose.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  parseBandwidthSchedule,
  plainRate,
  type RateInForce,
} from '../../../src/config/bandwidth-schedule.js';
import { createBandwidthLimiter } from '../../../src/transfer/bandwidth-limiter.js';

const RATE = 1_000_000; // bytes per second
/** What the bucket holds when full: an eighth of a second's worth. */
const BURST = RATE / 8;

/** A clock that moves only when told to. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let ms = 1_000;
  return { now: () => ms, advance: (by) => (ms += by) };
}

/** True when `promise` has settled by the next turn of the event loop (i.e. without waiting on a timer). */
async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await nextTurn();
  return settled;
}

describe('createBandwidthLimiter', () => {
  it.each([0, -1])('does not limit at all when the rate is %d', async (rate) => {
    const limiter = createBandwidthLimiter(plainRate(rate));
    expect(await settlesAtOnce(limiter.take(10 * 1024 ** 3))).toBe(true);
    expect(await settlesAtOnce(limiter.take(10 * 1024 ** 3))).toBe(true);
  });

  it('lets a burst of an eighth of a second’s worth through at once, then makes the next bytes wait', async () => {
    const clock = manualClock();
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: clock.now });
    expect(await settlesAtOnce(limiter.take(BURST))).toBe(true);
    expect(await settlesAtOnce(limiter.take(RATE / 40))).toBe(false);
  });

  it('waits about as long as the missing tokens take to refill', async () => {
    const clock = manualClock();
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: clock.now });
    await limiter.take(BURST);
    const started = performance.now();
    await limiter.take(RATE / 5); // 200 ms at the rate, with the clock standing still
    const waitedMs = performance.now() - started;
    expect(waitedMs).toBeGreaterThanOrEqual(150);
    expect(waitedMs).toBeLessThan(10_000);
  });

  it('refills from the clock: after quiet spells the bytes they stand for go through at once', async () => {
    const clock = manualClock();
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: clock.now });
    await limiter.take(BURST);
    clock.advance(50);
    expect(await settlesAtOnce(limiter.take(RATE / 20))).toBe(true);
    clock.advance(1_000);
    expect(await settlesAtOnce(limiter.take(BURST))).toBe(true);
  });

  it('does not save up more than an eighth of a second’s worth during a long quiet spell', async () => {
    const clock = manualClock();
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: clock.now });
    clock.advance(60_000);
    expect(await settlesAtOnce(limiter.take(BURST))).toBe(true);
    expect(await settlesAtOnce(limiter.take(RATE / 40))).toBe(false);
  });

  it('serves waiting callers in arrival order, a small take behind a large one included', async () => {
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: manualClock().now });
    await limiter.take(BURST);
    const order: string[] = [];
    const large = limiter.take(RATE / 10).then(() => order.push('large'));
    const small = limiter.take(1).then(() => order.push('small'));
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
  });

  it('rejects a waiting take when its signal aborts, and gives its bytes back to the takes after it', async () => {
    const clock = manualClock();
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: clock.now });
    await limiter.take(BURST);
    const controller = new AbortController();
    const waiting = limiter.take(60 * RATE, controller.signal); // a minute's wait
    expect(await settlesAtOnce(waiting)).toBe(false);
    const next = limiter.take(RATE / 40);
    // the clock stands still: `next` waits only for what the bucket lacked before the minute was charged
    clock.advance(125);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(await settlesAtOnce(next)).toBe(true);
  });

  it('charges nothing for a take whose signal aborted before its turn came', async () => {
    const clock = manualClock();
    const limiter = createBandwidthLimiter(plainRate(RATE), { now: clock.now });
    await limiter.take(BURST);
    const first = new AbortController();
    const second = new AbortController();
    const waiting = limiter.take(RATE / 5, first.signal);
    const queued = limiter.take(60 * RATE, second.signal);
    const next = limiter.take(RATE / 40);
    second.abort();
    clock.advance(325); // pays for `waiting`'s fifth of a second and refills the burst
    first.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    expect(await settlesAtOnce(next)).toBe(true);
  });
});

describe('createBandwidthLimiter under a timetable', () => {
  // 1MB/s from 08:00 to 18:00 every day, no limit overnight; 2026-12-07 is a Monday
  const schedule = parseBandwidthSchedule('08:00,1MB/s 18:00,off', 'max_bandwidth');
  const at = (hours: number, minutes: number) => new Date(2026, 11, 7, hours, minutes, 0);

  function timetabled(start: Date) {
    const clock = manualClock();
    let wall = start;
    const changes: [string, Date][] = [];
    const limiter = createBandwidthLimiter(
      schedule,
      { now: clock.now, wallClock: () => wall },
      (inForce: RateInForce, when) => changes.push([inForce.entry.label, when]),
    );
    return { limiter, changes, setWall: (date: Date) => (wall = date) };
  }

  it('stops limiting once the limited hours end, and says so once', async () => {
    const { limiter, changes, setWall } = timetabled(at(17, 59));
    expect(await settlesAtOnce(limiter.take(BURST))).toBe(true);
    setWall(at(18, 0));
    expect(await settlesAtOnce(limiter.take(10 * 1024 ** 3))).toBe(true);
    expect(await settlesAtOnce(limiter.take(10 * 1024 ** 3))).toBe(true);
    expect(changes).toEqual([['unlimited', at(18, 0)]]);
  });

  it('starts limiting when the limited hours begin, with a full bucket at the new rate', async () => {
    const { limiter, changes, setWall } = timetabled(at(7, 59));
    expect(await settlesAtOnce(limiter.take(10 * 1024 ** 3))).toBe(true);
    setWall(at(8, 0));
    expect(await settlesAtOnce(limiter.take(BURST))).toBe(true);
    expect(await settlesAtOnce(limiter.take(RATE / 40))).toBe(false);
    expect(changes).toEqual([['1MB/s', at(8, 0)]]);
  });
});
