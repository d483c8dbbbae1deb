/** How a user's value is quoted in a one-line message. */
import { describe, expect, it } from 'vitest';
import { quoteValue } from '../../src/errors.js';

describe('quoteValue', () => {
  it('quotes a short value whole, control characters escaped', () => {
    expect(quoteValue('D:\\new\reels')).toBe("'D:\\new\\u000deels'");
    expect(quoteValue(42)).toBe("'42'");
  });

  it('escapes C1 controls, line separators and bidirectional overrides too', () => {
    expect(quoteValue('a\x85b\u2028c\u202ed')).toBe("'a\\u0085b\\u2028c\\u202ed'");
  });

  it('cuts a long value in its middle, keeping the end where a path keeps its file name', () => {
    const long = `D:\\Surveys\\2026\\${'Region North\\'.repeat(6)}RMI25320\\reels\\R001\\R001_front.mp4`;
    const quoted = quoteValue(long);
    expect(quoted).toHaveLength(82);
    expect(quoted.startsWith("'D:\\Surveys\\2026\\Region North")).toBe(true);
    expect(quoted.endsWith("RMI25320\\reels\\R001\\R001_front.mp4'")).toBe(true);
    expect(quoted).toContain('...');
  });
});
