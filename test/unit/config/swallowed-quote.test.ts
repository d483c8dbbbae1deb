import { describe, expect, it } from 'vitest';
import { describeSwallowedQuote } from '../../../src/config/swallowed-quote.js';

describe('describeSwallowedQuote', () => {
  it('names the argument that took its closing quote and the flags after it, with both fixes', () => {
    // what `--folder "D:\My Reels\" --project-key RMI25320` arrives as on Windows
    const args = ['--folder', 'D:\\My Reels" --project-key RMI25320', '--include', 'reels'];
    expect(describeSwallowedQuote(args, 'win32')).toBe(
      `argument 'D:\\My Reels" --project-key RMI25320': a quoted path ending in \\ took the closing quote and ` +
        'what followed as part of the path; drop the last backslash ("D:\\My Reels") or double it ("D:\\My Reels\\\\")',
    );
  });

  it('offers only the doubled backslash for a drive root, as "D:" alone is the drive\'s current folder', () => {
    expect(describeSwallowedQuote(['--folder', 'E:"'], 'win32')).toMatch(
      /; double the backslash \("E:\\\\"\)$/,
    );
  });

  it('lets through quotes inside a value and every argument elsewhere than Windows', () => {
    expect(describeSwallowedQuote(['--tag', 'note="a"b', '--folder', 'D:\\reels'], 'win32')).toBeUndefined();
    expect(describeSwallowedQuote(['--folder', '/data/My Reels" --project-key X'], 'linux')).toBeUndefined();
  });
});
