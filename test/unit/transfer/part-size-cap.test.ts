/**
 * How a run learns the largest part a server takes: each 413 halves the cap, never below S3's 5 MiB minimum,
 * and a file that needs bigger parts to fit in 10,000 cannot go smaller.
 */
import { describe, expect, it } from 'vitest';
import { giveUpOnCloses, PartSizeCap, PartsClosedMidBody } from '../../../src/transfer/part-size-cap.js';
import { getTransferConfig } from '../../../src/transfer/transfer-config.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('PartSizeCap', () => {
  it('caps nothing until a part is refused', () => {
    expect(new PartSizeCap().bytes).toBe(Infinity);
    expect(getTransferConfig(20 * GiB, 4, new PartSizeCap().bytes).partSizeBytes).toBe(128 * MiB);
  });

  it('starts from the cap an earlier run learnt, and tells each lower one, not one it already had', () => {
    const told: number[] = [];
    const cap = new PartSizeCap(16 * MiB, (bytes) => told.push(bytes));
    expect(getTransferConfig(20 * GiB, 4, cap.bytes).partSizeBytes).toBe(16 * MiB);
    expect(cap.lowerAfter(16 * MiB, 20 * GiB)).toBe(8 * MiB);
    expect(cap.lowerAfterCloses(64 * MiB, 20 * GiB)).toBe(8 * MiB);
    expect(told).toEqual([8 * MiB]);
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

describe('connections closed while parts are sent (a limit whose 413 is lost with the connection)', () => {
  const closed = (code: string) => Object.assign(new Error(`write ${code}`), { code });

  it('gives up on a part at its second close while no part that big was stored, and caps the run at 8 MiB', () => {
    const cap = new PartSizeCap();
    const giveUp = giveUpOnCloses('upload K part 1', 64 * MiB, cap);
    expect(giveUp(closed('EPIPE'))).toBeUndefined();
    const stop = giveUp(closed('ECONNRESET'));
    expect(stop).toBeInstanceOf(PartsClosedMidBody);
    expect((stop as PartsClosedMidBody).partBytes).toBe(64 * MiB);
    expect(cap.lowerAfterCloses(64 * MiB, 1 * GiB)).toBe(8 * MiB);
    expect(getTransferConfig(20 * GiB, 4, cap.bytes).partSizeBytes).toBe(8 * MiB);
  });

  it('counts only closes: a 500 or a throttled answer is the server speaking', () => {
    const giveUp = giveUpOnCloses('upload K part 1', 64 * MiB, new PartSizeCap());
    const answered = Object.assign(new Error('busy'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    expect(giveUp(answered)).toBeUndefined();
    expect(giveUp(answered)).toBeUndefined();
    expect(giveUp(closed('EPIPE'))).toBeUndefined();
  });

  it('keeps retrying parts of 8 MiB or less, and parts no bigger than one the server stored: a flaky link', () => {
    const cap = new PartSizeCap();
    const small = giveUpOnCloses('upload K part 1', 8 * MiB, cap);
    expect([small(closed('EPIPE')), small(closed('EPIPE')), small(closed('EPIPE'))]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    cap.noteAccepted(64 * MiB);
    const big = giveUpOnCloses('upload K part 2', 64 * MiB, cap);
    expect([big(closed('EPIPE')), big(closed('ECONNRESET'))]).toEqual([undefined, undefined]);
    expect(cap.mayRefuse(128 * MiB)).toBe(true);
  });

  it('has nothing smaller to offer a file that needs its parts to fit in 10,000, and says what to check', () => {
    const cap = new PartSizeCap();
    expect(cap.lowerAfterCloses(103 * MiB, 1_000 * GiB)).toBeUndefined();
    const giveUp = giveUpOnCloses('upload K part 7', 103 * MiB, cap);
    giveUp(closed('EPIPE'));
    const error = (giveUp(closed('EPIPE')) as PartsClosedMidBody).withNoSmallerPart();
    expect(error.message).toBe(
      'upload K part 7: the server closed the connection twice while the part was sent (EPIPE), and the file ' +
        'needs parts of 103.0 MiB to fit in 10,000; check the network, and any request size limit of the server ' +
        'or of a proxy before it (nginx: client_max_body_size)',
    );
    expect(error.retryable).toBe(false);
  });
});
