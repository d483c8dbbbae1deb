import { describe, expect, it } from 'vitest';
import { RateWindow } from '../../../src/status/rate-window.js';

const T0_MS = 1_730_182_741_000;

describe('RateWindow', () => {
  it('reads nothing before time passes', () => {
    const window = new RateWindow(T0_MS);
    window.record(500, T0_MS);
    expect(window.read(T0_MS)).toEqual({ bytesPerSecond: 0, bytesInWindow: 500, measuredMs: 0 });
  });

  it('averages over the time since the start until the window fills', () => {
    const window = new RateWindow(T0_MS);
    for (let second = 1; second <= 4; second++) window.record(1_000, T0_MS + second * 1_000);
    expect(window.read(T0_MS + 4_000)).toEqual({
      bytesPerSecond: 1_000,
      bytesInWindow: 4_000,
      measuredMs: 4_000,
    });
  });

  it('forgets buckets older than the window', () => {
    const window = new RateWindow(T0_MS, 10_000, 1_000);
    window.record(1_000_000, T0_MS);
    for (let second = 1; second <= 20; second++) window.record(100, T0_MS + second * 1_000);
    const reading = window.read(T0_MS + 20_000);
    expect(reading.bytesInWindow).toBe(1_000);
    // ten one-second buckets, the oldest begun 9 s ago: the average is over those 9 s
    expect(reading.bytesPerSecond).toBeCloseTo(1_000_000 / 9_000, 9);
    expect(reading.measuredMs).toBe(20_000);
  });
});
