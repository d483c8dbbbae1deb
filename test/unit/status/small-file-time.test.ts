import { describe, expect, it } from 'vitest';
import { SMALL_FILE_BYTES, SmallFileTime } from '../../../src/status/small-file-time.js';

describe('SmallFileTime', () => {
  it('knows nothing before a small file was counted', () => {
    expect(new SmallFileTime().read()).toBeUndefined();
  });

  it('starts at the first small file and moves a tenth of the way towards each next one', () => {
    const time = new SmallFileTime();
    time.record(1_000, 0.5);
    expect(time.read()).toBe(0.5);
    time.record(1_000, 1.5);
    expect(time.read()).toBeCloseTo(0.6, 9);
  });

  it('follows the recent files: fifty files later a slow first one counts for next to nothing', () => {
    const time = new SmallFileTime();
    time.record(1_000, 10);
    for (let i = 0; i < 50; i++) time.record(1_000, 0.1);
    expect(time.read()).toBeLessThan(0.2);
  });

  it('leaves out files larger than a mebibyte, whose time is their bytes', () => {
    const time = new SmallFileTime();
    time.record(SMALL_FILE_BYTES + 1, 300);
    expect(time.read()).toBeUndefined();
    time.record(SMALL_FILE_BYTES, 0.2);
    time.record(50 * SMALL_FILE_BYTES, 300);
    expect(time.read()).toBe(0.2);
  });
});
