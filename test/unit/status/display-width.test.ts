import { describe, expect, it } from 'vitest';
import { displayWidth, truncateEnd, truncateMiddle } from '../../../src/status/display-width.js';

describe('displayWidth', () => {
  it.each([
    ['reels/R001/video.mp4', 20],
    ['Müller', 6],
    ['Mu\u0308ller', 6], // u + combining diaeresis: one column
    ['測量データ', 10],
    ['도로조사', 8],
    ['📹 clip', 7],
    ['⚓', 2], // emoji presentation without a variation selector
    // sequences count as their code points add up: a terminal without grapheme clusters (tmux 3.3) draws them so
    ['👩‍🔬', 4],
    ['👍🏽', 4],
    ['', 0],
  ])('%s takes %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe('displayWidth of a long text', () => {
  it('counts the characters that cross the windows it is split in as one text gives them', () => {
    // wide letters, combined ones, emoji sequences and flags, a pair of them astride every window boundary
    for (const unit of ['カe\u0301', '👩\u200d🔬/', '🇫🇷🇩🇪', 'a\r\nb', 'क्ष']) {
      for (const lead of ['', 'x', 'xy']) {
        const text = lead + unit.repeat(3_000);
        expect(displayWidth(text), JSON.stringify(unit)).toBe(
          displayWidth(lead) + 3_000 * displayWidth(unit),
        );
      }
    }
  });

  it('keeps flags whole where a window boundary falls between the two halves of a character', () => {
    for (const lead of ['', 'x', 'xy', 'xyz']) {
      const text = lead + '🇫🇷'.repeat(600);
      const cut = truncateEnd(text, displayWidth(text) - 1);
      expect(cut, `after ${JSON.stringify(lead)}`).toMatch(/^x?y?z?(?:🇫🇷)+…$/u);
    }
  });

  it('counts a cluster longer than a window once', () => {
    expect(displayWidth(`a${'\u0301'.repeat(5_000)}b`)).toBe(2);
    expect(truncateEnd(`a${'\u0301'.repeat(5_000)}bc`, 2)).toBe(`a${'\u0301'.repeat(5_000)}…`);
  });
});

describe('truncateMiddle', () => {
  it('keeps text that fits as it is', () => {
    expect(truncateMiddle('reels/R001/a.mp4', 16)).toBe('reels/R001/a.mp4');
  });

  it('keeps both ends of a long path within the width', () => {
    const cut = truncateMiddle('reels/R001/very/long/folder/name/video.mp4', 21);
    expect(cut).toBe('reels/R001…/video.mp4');
    expect(displayWidth(cut)).toBe(21);
  });

  it('never splits a wide character or a combined one, and never exceeds the width', () => {
    const text = '測量データ/道路/リール001/動画ファイル.mp4';
    for (let width = 1; width < displayWidth(text); width++) {
      const cut = truncateMiddle(text, width);
      expect(displayWidth(cut)).toBeLessThanOrEqual(width);
      expect(cut).not.toMatch(/\uFFFD/);
    }
    expect(truncateMiddle('Mu\u0308ller-Mu\u0308ller', 5)).toBe('Mu\u0308…er');
  });
});

describe('truncateEnd', () => {
  it('cuts at the end and marks the cut', () => {
    expect(truncateEnd('uploaded 12 files', 10)).toBe('uploaded …');
    expect(truncateEnd('short', 10)).toBe('short');
  });
});
