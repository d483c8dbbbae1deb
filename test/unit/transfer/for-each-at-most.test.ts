import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forEachAtMost } from '../../../src/transfer/for-each-at-most.js';

describe('forEachAtMost', () => {
  it('runs every item once, in order, never more than the limit at a time', async () => {
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    await forEachAtMost([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      running += 1;
      peak = Math.max(peak, running);
      await nextTurn();
      running -= 1;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('starts no more workers than items, and at least one', async () => {
    const seen: string[] = [];
    await forEachAtMost(['a'], 16, async (item) => void seen.push(item));
    await forEachAtMost(['b', 'c'], 0, async (item) => void seen.push(item));
    await forEachAtMost([], 4, async () => void seen.push('never'));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('runs the items after a failure, then rejects with the first error', async () => {
    const done: number[] = [];
    const run = forEachAtMost([1, 2, 3, 4, 5], 2, async (item) => {
      await nextTurn();
      if (item === 2) throw new Error('item 2 failed');
      if (item === 3) throw new Error('item 3 failed');
      done.push(item);
    });
    await expect(run).rejects.toThrow('item 2 failed');
    expect(done).toEqual([1, 4, 5]);
  });

  it('holds one pending promise per worker, not per item', async () => {
    let calls = 0;
    const items = Array.from({ length: 100_000 }, (_, i) => i);
    await forEachAtMost(items, 4, async () => {
      calls += 1;
      await Promise.resolve();
    });
    expect(calls).toBe(100_000);
  });
});
