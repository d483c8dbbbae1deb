import { describe, expect, it } from 'vitest';
import { isStopBySignal, SignalStop } from '../../../src/interrupt.js';
import { chooseFlightsToKeep, createStopTriage, OBSERVE_MS } from '../../../src/transfer/stop-triage.js';

const MiB = 1024 * 1024;
const GRACE_MS = 6_000;

describe('chooseFlightsToKeep', () => {
  it('keeps every request when the rate is unknown', () => {
    expect([...chooseFlightsToKeep([8 * MiB, 8 * MiB], undefined, GRACE_MS)].sort()).toEqual([0, 1]);
  });

  it('keeps the requests with the fewest bytes left that fit in the share of the grace period', () => {
    // 2 MiB/s for 6 s: 12 MiB, of which 0.6 may be planned: 7.2 MiB
    const kept = chooseFlightsToKeep([6 * MiB, 1 * MiB, 4 * MiB, 3 * MiB], 2 * MiB, GRACE_MS);
    expect([...kept].sort()).toEqual([1, 3]);
  });

  it('keeps every request a fast link carries within the grace period', () => {
    const kept = chooseFlightsToKeep([64 * MiB, 64 * MiB, 64 * MiB], 200 * MiB, GRACE_MS);
    expect(kept.size).toBe(3);
  });

  it('keeps the one nearest its end even when none fits: with the whole link it may still finish', () => {
    expect([...chooseFlightsToKeep([9 * MiB, 7 * MiB, 8 * MiB], 100_000, GRACE_MS)]).toEqual([1]);
  });

  it('keeps nothing when nothing is in flight', () => {
    expect(chooseFlightsToKeep([], 1 * MiB, GRACE_MS).size).toBe(0);
  });
});

/**
 * A triage on a clock that moves only when told to, the controllers a test stops it with, and `stop`: a signal's
 * stop, with `during` run in the half second the triage watches before it weighs the requests.
 */
function triageOnManualClock() {
  let ms = 10_000;
  const soft = new AbortController();
  const hard = new AbortController();
  const messages: string[] = [];
  const scheduled: Array<() => void> = [];
  const triage = createStopTriage({
    soft: soft.signal,
    hard: hard.signal,
    graceMs: GRACE_MS,
    now: () => ms,
    debug: (message) => messages.push(message),
    schedule: (run, after) => {
      expect(after).toBe(OBSERVE_MS);
      scheduled.push(run);
    },
  });
  const advance = (by: number) => (ms += by);
  const stop = (reason: unknown = new SignalStop('stopped by signal'), during = () => {}) => {
    soft.abort(reason);
    advance(OBSERVE_MS);
    during();
    for (const run of scheduled.splice(0)) run();
  };
  return { triage, hard, messages, advance, stop };
}

describe('createStopTriage', () => {
  it('at a stop signal on a slow link, gives up the parts that cannot finish and keeps the others', () => {
    const { triage, stop, messages, advance } = triageOnManualClock();
    const flights = [8, 8, 8, 8].map((mib) => triage.start(mib * MiB));
    // 4 MiB in two seconds over four parts, 7 MiB left in each; one more with 5 MiB left: 3 MiB/s in all
    for (let second = 0; second < 2; second++) {
      advance(1_000);
      for (const flight of flights) flight.sent(MiB / 2);
    }
    flights[2]!.sent(2 * MiB);
    expect(flights.some((f) => f.signal.aborted)).toBe(false);
    stop();
    expect(flights.map((f) => f.signal.aborted)).toEqual([true, true, false, true]);
    expect(isStopBySignal(flights[0]!.signal.reason)).toBe(true);
    expect(messages).toEqual([expect.stringMatching(/^stopping: 1 of 4 requests in flight may finish/)]);
  });

  it('gives up none when the link carries them all within what is left of the grace period', () => {
    const { triage, stop, messages, advance } = triageOnManualClock();
    const flights = [8, 8].map((mib) => triage.start(mib * MiB));
    advance(2_000);
    for (const flight of flights) flight.sent(3 * MiB); // 3 MiB/s, 10 MiB left: 3.3 s
    stop();
    expect(flights.map((f) => f.signal.aborted)).toEqual([false, false]);
    expect(messages).toEqual([]);
  });

  it('counts what the link carries in the half second after the stop: a stalled link may run again', () => {
    const { triage, stop, advance } = triageOnManualClock();
    const flights = [64, 64, 64].map((mib) => triage.start(mib * MiB));
    advance(5_000);
    flights[0]!.sent(MiB); // 0.2 MiB/s before the stop: 191 MiB left would take 16 minutes
    // 120 MiB after it: 22 MiB/s over the 5.5 s, and the 71 MiB left take 3.2 s
    stop(undefined, () => flights.forEach((f) => f.sent(40 * MiB)));
    expect(flights.map((f) => f.signal.aborted)).toEqual([false, false, false]);
  });

  it('lets every request end when the run stops for an error, not a signal', () => {
    const { triage, stop, advance } = triageOnManualClock();
    const flights = [8, 8].map((mib) => triage.start(mib * MiB));
    advance(2_000);
    flights[0]!.sent(1024);
    stop(new Error('the server stored an object without the encryption asked for'));
    expect(flights.map((f) => f.signal.aborted)).toEqual([false, false]);
  });

  it('lets every request finish when the stop comes before a second of the link was seen', () => {
    const { triage, stop, advance } = triageOnManualClock();
    const flights = [64, 64].map((mib) => triage.start(mib * MiB));
    advance(400); // with the half second the triage watches: 0.9 s
    flights[0]!.sent(1024);
    stop();
    expect(flights.map((f) => f.signal.aborted)).toEqual([false, false]);
  });

  it('does not weigh requests that ended before the triage', () => {
    const { triage, stop, advance } = triageOnManualClock();
    // 0.25 MiB/s: counted, the small request that ended would be kept first and leave no room for the open one
    const ended = triage.start(MiB / 10);
    const open = triage.start(2 * MiB);
    advance(2_000);
    open.sent(MiB / 2);
    stop(undefined, () => ended.end());
    expect(open.signal.aborted).toBe(false);
  });

  it('ends every flight with the hard signal, with its reason, and none after it ended', () => {
    const { triage, hard } = triageOnManualClock();
    const open = triage.start(MiB);
    const ended = triage.start(MiB);
    ended.end();
    const reason = new SignalStop('grace period over');
    hard.abort(reason);
    expect(open.signal.reason).toBe(reason);
    expect(ended.signal.aborted).toBe(false);
    expect(triage.start(MiB).signal.reason).toBe(reason);
  });
});
