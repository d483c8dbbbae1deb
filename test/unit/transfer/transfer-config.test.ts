import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { MULTIPART_THRESHOLD_BYTES, partRange, S3_LIMITS } from '../../../src/content/part-layout.js';
import {
  fitPartSize,
  getTransferConfig,
  pacedPartBytes,
  pacedWireBytes,
  type TransferPlan,
} from '../../../src/transfer/transfer-config.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe('getTransferConfig', () => {
  // size → how it is sent. Tiers from the seed: < 512 MB 8 MB parts x 8 workers, 512 MB–8 GB 64 MB x 6,
  // > 8 GB 128 MB x 4; parts grow only when 10,000 of them would not hold the file.
  const TABLE: Array<[label: string, sizeBytes: number, expected: TransferPlan]> = [
    ['0 bytes: one empty PutObject', 0, { multipart: false, partSizeBytes: 1, partCount: 1, workers: 1 }],
    ['1 byte', 1, { multipart: false, partSizeBytes: 1, partCount: 1, workers: 1 }],
    ['100 KiB', 100 * KiB, { multipart: false, partSizeBytes: 100 * KiB, partCount: 1, workers: 1 }],
    [
      '8 MiB - 1: last single PutObject',
      8 * MiB - 1,
      { multipart: false, partSizeBytes: 8 * MiB - 1, partCount: 1, workers: 1 },
    ],
    [
      '8 MiB: first multipart, one part',
      8 * MiB,
      { multipart: true, partSizeBytes: 8 * MiB, partCount: 1, workers: 8 },
    ],
    [
      '8 MiB + 1: two parts',
      8 * MiB + 1,
      { multipart: true, partSizeBytes: 8 * MiB, partCount: 2, workers: 8 },
    ],
    ['200 MiB', 200 * MiB, { multipart: true, partSizeBytes: 8 * MiB, partCount: 25, workers: 8 }],
    [
      '512 MiB - 1: top of the speed tier',
      512 * MiB - 1,
      { multipart: true, partSizeBytes: 8 * MiB, partCount: 64, workers: 8 },
    ],
    [
      '512 MiB: balanced tier',
      512 * MiB,
      { multipart: true, partSizeBytes: 64 * MiB, partCount: 8, workers: 6 },
    ],
    ['2 GiB', 2 * GiB, { multipart: true, partSizeBytes: 64 * MiB, partCount: 32, workers: 6 }],
    [
      '8 GiB - 1: top of the balanced tier',
      8 * GiB - 1,
      { multipart: true, partSizeBytes: 64 * MiB, partCount: 128, workers: 6 },
    ],
    [
      '8 GiB: stability tier',
      8 * GiB,
      { multipart: true, partSizeBytes: 128 * MiB, partCount: 64, workers: 4 },
    ],
    ['100 GiB', 100 * GiB, { multipart: true, partSizeBytes: 128 * MiB, partCount: 800, workers: 4 }],
    [
      '1,250,000 MiB: exactly 10,000 parts of 128 MiB',
      10_000 * 128 * MiB,
      { multipart: true, partSizeBytes: 128 * MiB, partCount: 10_000, workers: 4 },
    ],
    [
      'one byte more: parts grow to 129 MiB',
      10_000 * 128 * MiB + 1,
      { multipart: true, partSizeBytes: 129 * MiB, partCount: 9923, workers: 4 },
    ],
    [
      '2 TB: parts grow to 191 MiB',
      2e12,
      { multipart: true, partSizeBytes: 191 * MiB, partCount: 9987, workers: 4 },
    ],
    [
      'exactly 5 TiB: the largest object',
      5 * TiB,
      { multipart: true, partSizeBytes: 525 * MiB, partCount: 9987, workers: 4 },
    ],
  ];

  it.each(TABLE)('%s', (_label, sizeBytes, expected) => {
    expect(getTransferConfig(sizeBytes)).toEqual(expected);
  });

  it('caps the workers of a tier at maxWorkers', () => {
    expect(getTransferConfig(200 * MiB, 3).workers).toBe(3);
    expect(getTransferConfig(20 * GiB, 16).workers).toBe(4);
  });

  it('keeps at least one worker whatever maxWorkers says', () => {
    expect(getTransferConfig(200 * MiB, 0).workers).toBe(1);
  });

  it("refuses a file over S3's 5 TiB object limit, naming its size", () => {
    const sizeBytes = 5 * TiB + 1;

    expect(() => getTransferConfig(sizeBytes)).toThrow(ConfigError);
    expect(() => getTransferConfig(sizeBytes)).toThrow(
      `plan upload: the file is ${sizeBytes} bytes, over S3's 5 TiB object limit; split it before uploading`,
    );
  });

  it('sends files below the threshold in one request and the rest by multipart', () => {
    expect(MULTIPART_THRESHOLD_BYTES).toBe(8 * MiB);
    expect(MULTIPART_THRESHOLD_BYTES).toBeLessThan(S3_LIMITS.maxPutObjectBytes);
  });

  it.each([
    8 * MiB,
    8 * MiB + 1,
    50 * MiB + 12_345,
    511 * MiB + 7,
    3 * GiB + 1,
    8 * GiB + 1,
    1.2 * TiB,
    2 * TiB - 1,
    5 * TiB - 1,
    5 * TiB,
  ])('cuts %i bytes into 5 MiB–5 GiB parts, at most 10,000 of them, that cover it exactly', (sizeBytes) => {
    const plan = getTransferConfig(sizeBytes);

    expect(plan.multipart).toBe(true);
    expect(plan.partSizeBytes).toBeGreaterThanOrEqual(S3_LIMITS.minPartBytes);
    expect(plan.partSizeBytes).toBeLessThanOrEqual(S3_LIMITS.maxPartBytes);
    expect(plan.partSizeBytes % MiB).toBe(0);
    expect(plan.partCount).toBeLessThanOrEqual(S3_LIMITS.maxParts);
    expect(plan.partSizeBytes * plan.partCount).toBeGreaterThanOrEqual(sizeBytes);
    expect(plan.partSizeBytes * (plan.partCount - 1)).toBeLessThan(sizeBytes);
  });
});

describe('fitPartSize', () => {
  it('keeps the preferred size when 10,000 parts hold the file', () => {
    expect(fitPartSize(100 * GiB, 128 * MiB)).toBe(128 * MiB);
  });

  it('grows the part size in whole MiB until 10,000 parts hold the file', () => {
    expect(fitPartSize(2e12, 128 * MiB)).toBe(191 * MiB);
  });

  it('never goes below S3’s 5 MiB minimum part size', () => {
    expect(fitPartSize(MiB, MiB)).toBe(5 * MiB);
    expect(fitPartSize(100 * MiB, 0)).toBe(5 * MiB);
  });

  it('never goes above S3’s 5 GiB maximum part size', () => {
    expect(fitPartSize(5 * TiB, 8 * GiB)).toBe(5 * GiB);
  });
});

describe('partRange', () => {
  it('gives 1-based parts of the part size', () => {
    expect(partRange(1, 8 * MiB, 20 * MiB)).toEqual({ start: 0, length: 8 * MiB });
    expect(partRange(2, 8 * MiB, 20 * MiB)).toEqual({ start: 8 * MiB, length: 8 * MiB });
  });

  it('gives the last part what is left', () => {
    expect(partRange(3, 8 * MiB, 20 * MiB)).toEqual({ start: 16 * MiB, length: 4 * MiB });
  });

  it('gives a full last part when the size divides evenly', () => {
    expect(partRange(25, 8 * MiB, 200 * MiB)).toEqual({ start: 192 * MiB, length: 8 * MiB });
  });

  it('gives zero length past the end of the file', () => {
    expect(partRange(4, 8 * MiB, 20 * MiB)).toEqual({ start: 24 * MiB, length: 0 });
  });

  it('adds up to the file size over the planned part count', () => {
    const sizeBytes = 10_000 * 128 * MiB + 1;
    const { partSizeBytes, partCount } = getTransferConfig(sizeBytes);

    let total = 0;
    for (let n = 1; n <= partCount; n++) total += partRange(n, partSizeBytes, sizeBytes).length;

    expect(total).toBe(sizeBytes);
  });
});

describe('pacedPartBytes and pacedWireBytes', () => {
  it('bound nothing on a link that is not paced', () => {
    expect(pacedPartBytes(0)).toBe(Infinity);
    expect(pacedWireBytes(0)).toBe(Infinity);
    expect(pacedPartBytes(-1)).toBe(Infinity);
  });

  it('give a part four seconds of the pace, in whole MiB, and the bodies in flight ten', () => {
    expect(pacedPartBytes(3_000_000)).toBe(11 * MiB);
    expect(pacedWireBytes(3_000_000)).toBe(30_000_000);
  });

  it('leave the tiers their parts on a fast link, and S3 its 5 MiB minimum on a slow one', () => {
    expect(getTransferConfig(2 * GiB, Infinity, pacedPartBytes(40_000_000)).partSizeBytes).toBe(64 * MiB);
    expect(getTransferConfig(2 * GiB, Infinity, pacedPartBytes(3_000_000)).partSizeBytes).toBe(11 * MiB);
    expect(getTransferConfig(2 * GiB, Infinity, pacedPartBytes(250_000)).partSizeBytes).toBe(5 * MiB);
  });
});
