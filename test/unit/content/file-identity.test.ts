/** What counts as the same file between two runs, whatever its path is spelt like. */
import { describe, expect, it } from 'vitest';
import { compareFingerprints, fileIdOf } from '../../../src/content/file-identity.js';

const HOUR = 3_600_000;
const recorded = { sizeBytes: 100, mtimeMs: 1_764_000_000_000, fileId: '2049:1234' };

describe('compareFingerprints', () => {
  it.each([
    ['the same size, mtime and id', {}, 'same'],
    ['no id on either side, same size and mtime', { fileId: undefined }, 'same'],
    ['another size', { sizeBytes: 101 }, 'different'],
    ['another file id', { fileId: '2049:99' }, 'different'],
    ['an mtime an hour later', { mtimeMs: recorded.mtimeMs + HOUR }, 'clock-shifted'],
    ['an mtime an hour earlier', { mtimeMs: recorded.mtimeMs - HOUR }, 'clock-shifted'],
    ['an mtime 2 s later (FAT granularity)', { mtimeMs: recorded.mtimeMs + 2_000 }, 'clock-shifted'],
    ['an mtime 2.001 s later', { mtimeMs: recorded.mtimeMs + 2_001 }, 'different'],
    ['an mtime a minute later', { mtimeMs: recorded.mtimeMs + 60_000 }, 'different'],
    ['an mtime an hour and a second later', { mtimeMs: recorded.mtimeMs + HOUR + 1_000 }, 'different'],
    [
      'a shifted mtime without a file id',
      { mtimeMs: recorded.mtimeMs + HOUR, fileId: undefined },
      'different',
    ],
  ] as const)('%s: %s', (_what, change, expected) => {
    expect(compareFingerprints(recorded, { ...recorded, ...change })).toBe(expected);
  });
});

describe('fileIdOf', () => {
  it('joins device and inode, and has none for an inode of 0', () => {
    expect(fileIdOf({ dev: 2049n, ino: 18_014_398_509_481_985n })).toBe('2049:18014398509481985');
    expect(fileIdOf({ dev: 2049n, ino: 0n })).toBeUndefined();
  });
});
