/**
 * How a run learns the largest part a server takes: each 413 halves the cap, never below S3's 5 MiB minimum,
 * and a file that needs bigger parts to fit in 10,000 cannot go smaller.
 */
import { describe, expect, it } from 'vitest';
import { PartSizeCap } from '../../../src/transfer/part-size-cap.js';
import { getTransferConfig } from '../../../src/transfer/transfer-config.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('PartSizeCap', () => {
  it('caps nothing until a part is refused', () => {
    expect(new PartSizeCap().bytes).toBe(Infinity);
    expect(getTransferConfig(20 * GiB, 4, new PartSizeCap().bytes).partSizeBytes).toBe(128 * MiB);
  });

  it('halves the refused size in whole MiB, down to 5 MiB, then has nothing smaller to offer', () => {
    const cap = new PartSizeCap();
    const sizes = [128 * MiB];
    for (let next = cap.lowerAfter(sizes.at(-1)!, 20 * GiB); next; next = cap.lowerAfter(next, 20 * GiB))
      sizes.push(next);
    expect(sizes.map((bytes) => bytes / MiB)).toEqual([128, 64, 32, 16, 8, 5]);
    expect(cap.bytes).toBe(5 * MiB);
  });

  it('gives new uploads of the run the lowered size: a 100 MB limit (Cloudflare) takes 64 MiB parts', () => {
    const cap = new PartSizeCap();
    expect(cap.lowerAfter(128 * MiB, 20 * GiB)).toBe(64 * MiB);
    expect(getTransferConfig(20 * GiB, 4, cap.bytes).partSizeBytes).toBe(64 * MiB);
    expect(getTransferConfig(1 * GiB, 6, cap.bytes).partSizeBytes).toBe(64 * MiB);
    expect(getTransferConfig(100 * MiB, 8, cap.bytes).partSizeBytes).toBe(8 * MiB);
  });

  it('keeps the lowest cap when files in flight are refused at different sizes', () => {
    const cap = new PartSizeCap();
    cap.lowerAfter(64 * MiB, 1 * GiB);
    cap.lowerAfter(128 * MiB, 20 * GiB);
    expect(cap.bytes).toBe(32 * MiB);
  });

  it('offers nothing smaller when the file needs parts as big as the refused ones to fit in 10,000', () => {
    const cap = new PartSizeCap();
    const size = 60 * GiB; // needs parts of at least 7 MiB (6.14 MiB, rounded up to whole MiB)
    expect(cap.lowerAfter(8 * MiB, size)).toBe(7 * MiB);
    expect(cap.lowerAfter(7 * MiB, size)).toBeUndefined();
  });
});
