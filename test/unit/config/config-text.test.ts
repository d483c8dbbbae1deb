import { describe, expect, it } from 'vitest';
import { decodeConfigText } from '../../../src/config/config-text.js';
import { ConfigError } from '../../../src/errors.js';

const FILE = 'C:\\survey\\config.yaml';
const TEXT = 'bucket: survey-data\r\nprofile: Müller\r\n';

const BOM_UTF8 = Buffer.from([0xef, 0xbb, 0xbf]);
const BOM_UTF16LE = Buffer.from([0xff, 0xfe]);
const BOM_UTF16BE = Buffer.from([0xfe, 0xff]);

/** UTF-16BE bytes of `text`: Node only writes little-endian, so swap each pair. */
function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

function decodeError(bytes: Uint8Array): string {
  try {
    decodeConfigText(bytes, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the bytes to be refused');
}

describe('decodeConfigText', () => {
  it.each([
    ['UTF-8 without a byte-order mark', Buffer.from(TEXT, 'utf8')],
    [
      'UTF-8 with a byte-order mark (Notepad, PowerShell 7 utf8BOM)',
      Buffer.concat([BOM_UTF8, Buffer.from(TEXT)]),
    ],
    [
      'UTF-16LE with a byte-order mark (Windows PowerShell 5.1 Out-File and >)',
      Buffer.concat([BOM_UTF16LE, Buffer.from(TEXT, 'utf16le')]),
    ],
    ['UTF-16BE with a byte-order mark', Buffer.concat([BOM_UTF16BE, utf16be(TEXT)])],
  ])('decodes %s, dropping the mark', (_name, bytes) => {
    expect(decodeConfigText(bytes, FILE)).toBe(TEXT);
  });

  it('refuses an ANSI (Windows-1252) file, naming the file, the line and the fix', () => {
    const ansi = Buffer.from('bucket: survey-data\nregion: eu-central-1\nprofile: M\xfcller\n', 'latin1');

    expect(decodeError(ansi)).toBe(
      `read config ${FILE}: line 3 is not UTF-8 (byte 0xFC: an ANSI or Windows-1252 file?); save it as UTF-8 (Notepad: Save as, Encoding UTF-8; PowerShell: Set-Content -Encoding utf8 or Out-File -Encoding utf8)`,
    );
  });

  it('finds the line of an ANSI byte after valid UTF-8 on earlier lines and the same line', () => {
    const bytes = Buffer.concat([
      Buffer.from('profile: Müller\n# Zürich — ', 'utf8'),
      Buffer.from('caf\xe9\n', 'latin1'),
    ]);

    expect(decodeError(bytes)).toMatch(/: line 2 is not UTF-8 \(byte 0xE9: /);
  });

  it('refuses a file cut in the middle of a character, naming its last line', () => {
    const bytes = Buffer.from('bucket: a\nprofile: M\xc3', 'latin1');

    expect(decodeError(bytes)).toMatch(/: line 2 is not UTF-8 \(byte 0xC3: /);
  });

  it('refuses UTF-16 without a byte-order mark instead of reading its zero bytes as text', () => {
    expect(decodeError(Buffer.from('bucket: a\n', 'utf16le'))).toMatch(
      /^read config .*: line 1 holds a zero byte \(UTF-16 without a byte-order mark\?\); save it as UTF-8/,
    );
  });

  it('refuses UTF-32, whose mark starts like UTF-16LE', () => {
    const utf32 = Buffer.from([0xff, 0xfe, 0, 0, 0x62, 0, 0, 0]);

    expect(decodeError(utf32)).toMatch(/: the file is UTF-32; save it as UTF-8/);
  });

  it('refuses UTF-16 with a mark but a lone surrogate', () => {
    const bytes = Buffer.concat([BOM_UTF16LE, Buffer.from([0x00, 0xd8, 0x61, 0x00])]);

    expect(decodeError(bytes)).toMatch(/: the file is not valid UTF-16LE; save it as UTF-8/);
  });

  it('decodes an empty file to no text', () => {
    expect(decodeConfigText(new Uint8Array(0), FILE)).toBe('');
    expect(decodeConfigText(BOM_UTF8, FILE)).toBe('');
  });
});
