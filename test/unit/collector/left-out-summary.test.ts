import { describe, expect, it } from 'vitest';
import type { LeftOutFile } from '../../../src/collector/left-out.js';
import { describeLeftOut, summarizeLeftOut } from '../../../src/collector/left-out-summary.js';

const LEFT_OUT: LeftOutFile[] = [
  { path: '/p/reels/R001/R001.mp4.tmp', reason: 'extension', detail: 'reels' },
  { path: '/p/misc', reason: 'not a folder type' },
  { path: '/p/reels/R001/R001.mp4', reason: 'too recent' },
  { path: '/p/logs/core.dmp', reason: 'extension', detail: 'logs' },
  { path: '/p/reels/R001/up', reason: 'link loop', detail: 'leads back to /p/reels' },
  { path: '/p/reels/pipe', reason: 'not a regular file' },
  { path: '/p/Thumbs.db', reason: 'not a folder type' },
];

describe('summarizeLeftOut', () => {
  it('says nothing when nothing is left out', () => {
    expect(summarizeLeftOut([])).toEqual([]);
    expect(summarizeLeftOut([], Infinity)).toEqual([]);
  });

  it('counts by reason, in the order of the reasons, on one line', () => {
    expect(summarizeLeftOut(LEFT_OUT)).toEqual([
      "left out: 7 files (2 extension not in the type's set, 2 not a folder type, 1 not a regular file, 1 link loop, 1 too recent)",
    ]);
  });

  it('says "file" for one', () => {
    expect(summarizeLeftOut([{ path: '/p/a.mp4', reason: 'too recent' }])).toEqual([
      'left out: 1 file (1 too recent)',
    ]);
  });

  it('adds every path with its reason when all are shown, in the order given', () => {
    expect(summarizeLeftOut(LEFT_OUT, Infinity, 'see the list')).toEqual([
      "left out: 7 files (2 extension not in the type's set, 2 not a folder type, 1 not a regular file, 1 link loop, 1 too recent)",
      '  /p/reels/R001/R001.mp4.tmp: extension not in the reels set',
      '  /p/misc: not a folder type',
      '  /p/reels/R001/R001.mp4: too recent',
      '  /p/logs/core.dmp: extension not in the logs set',
      '  /p/reels/R001/up: link loop (leads back to /p/reels)',
      '  /p/reels/pipe: not a regular file',
      '  /p/Thumbs.db: not a folder type',
    ]);
  });

  it('shows the first paths and counts the rest, saying where they are', () => {
    expect(summarizeLeftOut(LEFT_OUT, 2, 'listed in left-out.csv')).toEqual([
      "left out: 7 files (2 extension not in the type's set, 2 not a folder type, 1 not a regular file, 1 link loop, 1 too recent)",
      '  /p/reels/R001/R001.mp4.tmp: extension not in the reels set',
      '  /p/misc: not a folder type',
      '  and 5 more: listed in left-out.csv',
    ]);
  });

  it('needs no "more" line when every path fits', () => {
    expect(summarizeLeftOut(LEFT_OUT.slice(0, 2), 2, 'listed in left-out.csv')).toEqual([
      "left out: 2 files (1 extension not in the type's set, 1 not a folder type)",
      '  /p/reels/R001/R001.mp4.tmp: extension not in the reels set',
      '  /p/misc: not a folder type',
    ]);
  });
});

describe('describeLeftOut', () => {
  it('falls back to the general label for an extension entry without its type', () => {
    expect(describeLeftOut({ path: 'C:\\p\\a.bak', reason: 'extension' })).toBe(
      "C:\\p\\a.bak: extension not in the type's set",
    );
  });
});
