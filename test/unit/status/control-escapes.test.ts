import { describe, expect, it } from 'vitest';
import { escapeControls } from '../../../src/status/control-escapes.js';

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
