/**
 * The server's time as every signer of a store knows it: learnt from the first answer whose Date is further from
 * our reckoning than rounding and time in flight explain, and kept while answers agree with it.
 */
import { describe, expect, it } from 'vitest';
import { ServerClock } from '../../../src/remote/server-clock.js';

const MINUTE = 60_000;

describe('ServerClock', () => {
  it('signs with the local time until an answer says otherwise', () => {
    const clock = new ServerClock();
    const before = Date.now();
    const now = clock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("follows a server 40 minutes ahead or 90 behind, to within the Date header's second", () => {
    for (const offsetMs of [40 * MINUTE, -90 * MINUTE]) {
      const clock = new ServerClock();
      clock.follow(new Date(Date.now() + offsetMs).toUTCString());
      expect(Math.abs(clock.offsetMs - offsetMs)).toBeLessThan(2_000);
      const signedAt = clock.now().getTime();
      expect(Math.abs(signedAt - (Date.now() + offsetMs))).toBeLessThan(2_000);
    }
  });

  it('keeps its offset while answers agree with it to within a minute, and ignores a Date it cannot read', () => {
    const clock = new ServerClock();
    clock.follow(new Date(Date.now() + 40 * MINUTE).toUTCString());
    const learnt = clock.offsetMs;
    clock.follow(new Date(Date.now() + 41 * MINUTE).toUTCString());
    clock.follow('not a date');
    clock.follow(undefined);
    expect(clock.offsetMs).toBe(learnt);
  });

  it('stays at zero for answers within a few minutes of the local clock', () => {
    const clock = new ServerClock();
    clock.follow(new Date(Date.now() + 3 * MINUTE).toUTCString());
    clock.follow(new Date(Date.now() - 2 * MINUTE).toUTCString());
    expect(clock.offsetMs).toBe(0);
  });

  it("tells the server's time from the last answer's Date to its second, within minutes too, for times it wrote", () => {
    const clock = new ServerClock();
    const expectNear = (offsetMs: number, learn: (date: string) => void) => {
      const before = Date.now();
      learn(new Date(before + offsetMs).toUTCString());
      const seen = clock.serverNow().getTime();
      // the Date header drops the milliseconds; time passing between the lines only adds
      expect(seen).toBeGreaterThan(before + offsetMs - 1_000);
      expect(seen).toBeLessThanOrEqual(Date.now() + offsetMs);
    };
    expectNear(3 * MINUTE, (date) => clock.follow(date));
    expect(clock.offsetMs).toBe(0);
    expectNear(-2 * MINUTE, (date) => {
      clock.observe(date);
      expect(clock.observe('not a date')).toBeUndefined();
    });
  });
});
