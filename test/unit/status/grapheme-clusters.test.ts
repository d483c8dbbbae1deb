import { describe, expect, it } from 'vitest';
import { graphemes } from '../../../src/status/grapheme-clusters.js';

function splitWhole(text: string): string[] {
  return Array.from(
    new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
    (s) => s.segment,
  );
}

describe('graphemes', () => {
  it.each([
    ['letters with marks', 'e\u0301a\u0308\u0301'],
    ['wide letters', 'カメラ測量'],
    ['emoji sequences', '👩\u200d🔬👍🏽'],
    ['flags after an odd lead', 'x🇫🇷🇩🇪'],
    ['line ends', 'a\r\n\r\n\rb\n'],
    ['Indic conjuncts', 'क्षत्र'],
    ['Hangul syllables in jamo', '\u1100\u1161\u11a8한'],
  ])('splits a long text of %s as splitting it whole does', (_name, unit) => {
    const text = unit.repeat(Math.ceil(3_000 / unit.length));
    expect(graphemes(text)).toEqual(splitWhole(text));
  });

  it('keeps a cluster longer than a window whole', () => {
    const long = `a${'\u0301'.repeat(2_000)}`;
    expect(graphemes(`${long}b${long}`)).toEqual([long, 'b', long]);
  });

  it('splits short and empty text', () => {
    expect(graphemes('a/🇫🇷')).toEqual(['a', '/', '🇫🇷']);
    expect(graphemes('')).toEqual([]);
  });
});
