import { describe, expect, it } from 'vitest';
import { describeMtimeMove, recordedMtimeMs } from '../../../src/verifier/mtime-move.js';
import { partSizeCandidates } from '../../../src/verifier/part-candidates.js';

const MiB = 1024 ** 2;
const object = (metadata?: Record<string, string>) => ({
  key: 'k',
  sizeBytes: 1,
  etag: 'e',
  lastModifiedMs: 0,
  ...(metadata ? { metadata } : {}),
});

describe('partSizeCandidates', () => {
  it('takes the part size the server reports, and only then calls a mismatch conclusive', () => {
    expect(partSizeCandidates(20 * MiB, 2, { sizeBytes: 10 * MiB, partCount: 2 })).toEqual({
      sizesBytes: [10 * MiB],
      reported: true,
    });
  });

  it('gives no candidate for parts of uneven size', () => {
    expect(partSizeCandidates(20 * MiB, 2, { sizeBytes: 6 * MiB, partCount: 2 })).toEqual({
      sizesBytes: [],
      reported: false,
    });
  });

  it('guesses the sizes that give the ETag part count when the server ignores PartNumber (Ceph RGW)', () => {
    expect(partSizeCandidates(20 * MiB, 3, { sizeBytes: 20 * MiB })).toEqual({
      sizesBytes: [8 * MiB],
      reported: false,
    });
    expect(partSizeCandidates(20 * MiB, 4, { sizeBytes: 20 * MiB })).toEqual({
      sizesBytes: [5 * MiB],
      reported: false,
    });
    expect(partSizeCandidates(1024 * MiB, 16, { sizeBytes: 1024 * MiB })).toEqual({
      sizesBytes: [64 * MiB],
      reported: false,
    });
  });

  it('guesses the grown part size of a file too big for 10,000 parts of 128 MiB', () => {
    const size = 2 * 1024 ** 4;
    const grown = Math.ceil(size / 10_000 / MiB) * MiB;
    expect(partSizeCandidates(size, Math.ceil(size / grown), { sizeBytes: size }).sizesBytes).toEqual([
      grown,
    ]);
  });
});

describe('describeMtimeMove', () => {
  const at = (mtimeMs: number) => object({ 'mtime-ms': String(mtimeMs) });

  it('names a whole-hour shift within FAT 2 s granularity as a DST or time-zone shift', () => {
    expect(describeMtimeMove(3_600_000, at(0))).toBe('mtime moved by 1 h (FAT/DST shift?)');
    expect(describeMtimeMove(0, at(3_601_500))).toBe('mtime moved by -1 h (FAT/DST shift?)');
    expect(describeMtimeMove(7_200_000 + 2000, at(0))).toBe('mtime moved by 2 h (FAT/DST shift?)');
  });

  it('names rounding to 2 s, other moves, no move, and objects with no recorded mtime', () => {
    expect(describeMtimeMove(2000, at(0))).toBe('mtime moved by 2000 ms (FAT 2 s granularity?)');
    expect(describeMtimeMove(90_000, at(0))).toBe('mtime moved by 90.0 s');
    expect(describeMtimeMove(5, at(5))).toBeUndefined();
    expect(describeMtimeMove(5, object({}))).toBe('no mtime recorded (stored by another tool?)');
    expect(describeMtimeMove(5, object())).toBeUndefined();
  });

  it('ignores a recorded mtime that is not a number', () => {
    expect(recordedMtimeMs(object({ 'mtime-ms': 'yesterday' }))).toBeUndefined();
    expect(recordedMtimeMs(object({ 'mtime-ms': '1738333800000' }))).toBe(1738333800000);
  });
});
