import { describe, expect, it } from 'vitest';
import {
  escapeControls,
  findLineBreakingControl,
  replaceLineBreakingControls,
} from '../../../src/status/control-escapes.js';

describe('escapeControls', () => {
  it('writes each control character as an escape', () => {
    expect(escapeControls('\x1b[2Jclear.log')).toBe('\\x1b[2Jclear.log');
    expect(escapeControls('nl\nfake uploaded line.log')).toBe('nl\\nfake uploaded line.log');
    expect(escapeControls('a\rb\tc\x00d\x7fe')).toBe('a\\rb\\tc\\x00d\\x7fe');
    expect(escapeControls('c1\x9b31m')).toBe('c1\\x9b31m');
    expect(escapeControls('line\u2028sep \u202egnp.exe')).toBe('line\\u2028sep \\u202egnp.exe');
  });

  it('leaves other text as it is, wide, combining and emoji characters and Windows paths included', () => {
    for (const text of ['D:\\survey\\new\\reels', 'カメラ１.mp4', 'Se\u0301quence', '👩‍🔬 team', ''])
      expect(escapeControls(text)).toBe(text);
  });

  it('changes nothing when applied twice', () => {
    const once = escapeControls('\x1b]0;title\x07\n');
    expect(escapeControls(once)).toBe(once);
  });
});

describe('escapeControls in code-point notation', () => {
  it('writes each control character as its code point, so a Windows path keeps reading as one', () => {
    expect(escapeControls('D:\\new\reels', 'code-point')).toBe('D:\\new\\u000deels');
    expect(escapeControls('\x1b[2J\x7f\x85\u2028\u202e', 'code-point')).toBe(
      '\\u001b[2J\\u007f\\u0085\\u2028\\u202e',
    );
  });

  it('escapes the same characters as the short notation', () => {
    const all = Array.from({ length: 0x2070 }, (_, code) => String.fromCharCode(code)).join('');
    const escaped = (notation: 'short' | 'code-point') =>
      [...all].filter((char) => escapeControls(char, notation) !== char).join('');
    expect(escaped('code-point')).toBe(escaped('short'));
  });
});

describe('findLineBreakingControl', () => {
  it('finds the first character that breaks a line or commands the terminal', () => {
    expect(findLineBreakingControl('D:\\a\tb\nc')).toBe('\t');
    expect(findLineBreakingControl('a\x85b')).toBe('\x85');
    expect(findLineBreakingControl('a\u2029b')).toBe('\u2029');
  });

  it('finds none in text without one, bidirectional controls included', () => {
    expect(findLineBreakingControl('D:\\survey\\カメラ\u202e.mp4')).toBeUndefined();
    expect(findLineBreakingControl('')).toBeUndefined();
  });
});

describe('replaceLineBreakingControls', () => {
  it('replaces each of them, and nothing else', () => {
    expect(replaceLineBreakingControls('a\nb\u202ec\r', (char) => `<${char.charCodeAt(0)}>`)).toBe(
      'a<10>b\u202ec<13>',
    );
  });
});
