import { describe, expect, it } from 'vitest';
import type { SentBytesKind } from '../../../src/status/status-tracker.js';
import { rangeProgress } from '../../../src/transfer/range-progress.js';

function recorder(): {
  calls: Array<[number, SentBytesKind | undefined]>;
  onBytes: (n: number, k?: SentBytesKind) => void;
} {
  const calls: Array<[number, SentBytesKind | undefined]> = [];
  return { calls, onBytes: (deltaBytes, kind) => calls.push([deltaBytes, kind]) };
}

describe('rangeProgress', () => {
  it('reports a range sent once as new bytes', () => {
    const { calls, onBytes } = recorder();
    const progress = rangeProgress(onBytes, 300);
    progress(100);
    progress(200);
    expect(calls).toEqual([
      [100, 'new'],
      [200, 'new'],
    ]);
  });

  it('reports each byte of the range once as new, and what attempts send past its length as resent', () => {
    const { calls, onBytes } = recorder();
    const progress = rangeProgress(onBytes, 300);
    progress(100);
    progress(100); // the attempt fails here; the next starts from the range's first byte
    progress(150);
    progress(150);
    expect(calls).toEqual([
      [100, 'new'],
      [100, 'new'],
      [100, 'new'],
      [50, 'resent'],
      [150, 'resent'],
    ]);
    const newBytes = calls.filter(([, kind]) => kind === 'new').reduce((sum, [n]) => sum + n, 0);
    expect(newBytes).toBe(300);
  });

  it('withdraws the bytes it counted as new, at most the range, once, when the range is not stored', () => {
    const { calls, onBytes } = recorder();
    const progress = rangeProgress(onBytes, 300);
    progress(200);
    progress(200); // a second attempt, cut off part-way
    progress.withdraw();
    progress.withdraw();
    expect(calls).toEqual([
      [200, 'new'],
      [100, 'new'],
      [100, 'resent'],
      [300, 'withdrawn'],
    ]);
  });
});
