import { describe, expect, it } from 'vitest';
import { estimateEtaSeconds, type EtaInput } from '../../../src/status/eta.js';

const MiB = 1024 * 1024;

function input(overrides: Partial<EtaInput> = {}): EtaInput {
  return {
    phase: 'uploading',
    totals: { bytes_planned: 100 * MiB, bytes_done: 20 * MiB, bytes_failed: 10 * MiB },
    inFlightBytes: 30 * MiB,
    rate: { bytesPerSecond: 2 * MiB, bytesInWindow: 20 * MiB, measuredMs: 10_000 },
    ...overrides,
  };
}

describe('estimateEtaSeconds', () => {
  it('divides the bytes left (planned less done, failed and in flight) by the rate', () => {
    expect(estimateEtaSeconds(input())).toBe(20);
  });

  it('is 0 once completed and null in another final phase', () => {
    expect(estimateEtaSeconds(input({ phase: 'completed', rate: undefined }))).toBe(0);
    expect(estimateEtaSeconds(input({ phase: 'failed' }))).toBeNull();
    expect(estimateEtaSeconds(input({ phase: 'interrupted' }))).toBeNull();
  });

  it('is null without a rate or without planned bytes', () => {
    expect(estimateEtaSeconds(input({ rate: undefined }))).toBeNull();
    expect(
      estimateEtaSeconds(input({ rate: { bytesPerSecond: 0, bytesInWindow: 0, measuredMs: 60_000 } })),
    ).toBeNull();
    expect(
      estimateEtaSeconds(input({ totals: { bytes_planned: 0, bytes_done: 0, bytes_failed: 0 } })),
    ).toBeNull();
  });

  it('waits for a rate measured five seconds over a mebibyte, or half a minute on a slow link', () => {
    const rate = (bytesInWindow: number, measuredMs: number) => ({
      bytesPerSecond: 1_000,
      bytesInWindow,
      measuredMs,
    });
    expect(estimateEtaSeconds(input({ rate: rate(50 * MiB, 4_999) }))).toBeNull();
    expect(estimateEtaSeconds(input({ rate: rate(MiB, 5_000) }))).not.toBeNull();
    expect(estimateEtaSeconds(input({ rate: rate(MiB - 1, 29_999) }))).toBeNull();
    expect(estimateEtaSeconds(input({ rate: rate(10_000, 30_000) }))).not.toBeNull();
  });

  it('never goes below zero when more is in flight than the plan left', () => {
    expect(estimateEtaSeconds(input({ inFlightBytes: 500 * MiB }))).toBe(0);
  });
});
