import { describe, expect, it } from 'vitest';
import { estimateEtaSeconds, type EtaInput } from '../../../src/status/eta.js';

const MiB = 1024 * 1024;

/** 10 files planned, 4 of them finished; 40 MiB left to send at 2 MiB/s; no small file timed yet. */
function input(overrides: Partial<EtaInput> = {}): EtaInput {
  return {
    phase: 'uploading',
    totals: {
      files: 10,
      uploaded: 2,
      skipped: 1,
      failed: 1,
      bytes_planned: 100 * MiB,
      bytes_done: 20 * MiB,
      bytes_failed: 10 * MiB,
    },
    inFlightBytes: 30 * MiB,
    rate: { bytesPerSecond: 2 * MiB, bytesInWindow: 20 * MiB, measuredMs: 10_000 },
    smallFileSeconds: undefined,
    filesSideBySide: 4,
    ...overrides,
  };
}

/** Bytes of the files in flight when every planned byte has been sent, in {@link manySmallFilesLeft}. */
const ALL_SENT = 102 * MiB;

/**
 * What the user saw: 337 of 2,349 files stored, 1.6 MiB of 502 MiB left, at 52.4 MiB/s, small files taking
 * 0.2 s each.
 */
function manySmallFilesLeft(overrides: Partial<EtaInput> = {}): EtaInput {
  return input({
    totals: {
      files: 2349,
      uploaded: 337,
      skipped: 0,
      failed: 0,
      bytes_planned: 502 * MiB,
      bytes_done: 400 * MiB,
      bytes_failed: 0,
    },
    inFlightBytes: ALL_SENT - 1.6 * MiB,
    rate: { bytesPerSecond: 52.4 * MiB, bytesInWindow: 524 * MiB, measuredMs: 10_000 },
    smallFileSeconds: 0.2,
    filesSideBySide: 16,
    ...overrides,
  });
}

describe('estimateEtaSeconds', () => {
  it('divides the bytes left (planned less done, failed and in flight) by the rate', () => {
    expect(estimateEtaSeconds(input())).toBe(20);
  });

  it('counts the time of the small files left when they take longer than the bytes left', () => {
    // 2,012 files, 16 at a time: 126 rounds of 0.2 s, where the 1.6 MiB left take 0.03 s
    expect(estimateEtaSeconds(manySmallFilesLeft())).toBeCloseTo(126 * 0.2, 9);
  });

  it('lets the bytes decide when only big files are left', () => {
    const reelsLeft = input({
      totals: { ...input().totals, files: 6, uploaded: 2, skipped: 1, failed: 1 },
      smallFileSeconds: 0.2,
    });
    // 2 reels left, one round of 0.2 s, against 40 MiB at 2 MiB/s
    expect(estimateEtaSeconds(reelsLeft)).toBe(20);
  });

  it('lets the files decide when only small files are left, whatever the byte rate says', () => {
    const bytesAllSent = manySmallFilesLeft({ inFlightBytes: ALL_SENT });
    expect(estimateEtaSeconds(bytesAllSent)).toBeCloseTo(126 * 0.2, 9);
    const noRateYet = manySmallFilesLeft({ inFlightBytes: ALL_SENT, rate: undefined });
    expect(estimateEtaSeconds(noRateYet)).toBeCloseTo(126 * 0.2, 9);
  });

  it('never says 0 while a file is left', () => {
    const lastFile = manySmallFilesLeft({
      totals: { ...manySmallFilesLeft().totals, uploaded: 2348 },
      inFlightBytes: ALL_SENT,
      smallFileSeconds: 0.01,
    });
    expect(estimateEtaSeconds(lastFile)).toBe(0.1);
    const bytesAlmostSent = input({ inFlightBytes: 70 * MiB - 1_000 });
    expect(estimateEtaSeconds(bytesAlmostSent)).toBe(0.1);
  });

  it('is unknown when every byte is sent but no small file has been timed', () => {
    expect(estimateEtaSeconds(input({ inFlightBytes: 70 * MiB }))).toBeNull();
  });

  it('takes the files left one at a time when no two were seen side by side', () => {
    const one = manySmallFilesLeft({ filesSideBySide: 0, inFlightBytes: ALL_SENT });
    expect(estimateEtaSeconds(one)).toBeCloseTo(2012 * 0.2, 9);
  });

  it('is 0 once completed and null in another final phase', () => {
    expect(estimateEtaSeconds(input({ phase: 'completed', rate: undefined }))).toBe(0);
    expect(estimateEtaSeconds(input({ phase: 'failed' }))).toBeNull();
    expect(estimateEtaSeconds(input({ phase: 'interrupted' }))).toBeNull();
  });

  it('is null without a rate while bytes are left, and with nothing planned', () => {
    expect(estimateEtaSeconds(input({ rate: undefined, smallFileSeconds: 0.2 }))).toBeNull();
    expect(
      estimateEtaSeconds(input({ rate: { bytesPerSecond: 0, bytesInWindow: 0, measuredMs: 60_000 } })),
    ).toBeNull();
    const nothing = {
      files: 0,
      uploaded: 0,
      skipped: 0,
      failed: 0,
      bytes_planned: 0,
      bytes_done: 0,
      bytes_failed: 0,
    };
    expect(estimateEtaSeconds(input({ totals: nothing, inFlightBytes: 0 }))).toBeNull();
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
    const timed = input({ inFlightBytes: 500 * MiB, smallFileSeconds: 0.2 });
    // 6 files left, 4 at a time: two rounds
    expect(estimateEtaSeconds(timed)).toBeCloseTo(0.4, 9);
  });

  it('is 0 while uploading once every planned file is settled', () => {
    const settled = { ...input().totals, uploaded: 8, bytes_done: 90 * MiB };
    expect(estimateEtaSeconds(input({ totals: settled, inFlightBytes: 0 }))).toBe(0);
  });
});
