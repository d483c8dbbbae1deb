import { ConfigError } from '../errors.js';

const SAVE_AS_UTF8 =
  'save it as UTF-8 (Notepad: Save as, Encoding UTF-8; PowerShell: Set-Content -Encoding utf8 or Out-File -Encoding utf8)';

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding a byte-order mark announces, and the mark's length; UTF-8 without a mark otherwise. */
function detectEncoding(bytes: Uint8Array): { encoding: Encoding; bomBytes: number } {
  const [b0, b1, b2] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'utf-8', bomBytes: 3 };
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le', bomBytes: 2 };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be', bomBytes: 2 };
  return { encoding: 'utf-8', bomBytes: 0 };
}

/**
 * Decodes a config file's bytes: UTF-8 with or without a byte-order mark, or UTF-16 (little- or
 * big-endian) with one, as Windows PowerShell 5.1's `Out-File` and `>` write. The mark is dropped.
 * @param file the file's path, for messages.
 * @throws ConfigError naming the file, the line and the fix for anything else: bytes that are not
 * UTF-8 (an ANSI/Windows-1252 file, where `ü` is the single byte 0xFC), UTF-32, or UTF-16 without a mark.
 */
export function decodeConfigText(bytes: Uint8Array, file: string): string {
  const { encoding, bomBytes } = detectEncoding(bytes);
  const body = bytes.subarray(bomBytes);
  if (encoding === 'utf-16le' && body[0] === 0 && body[1] === 0) {
    throw new ConfigError(`read config ${file}: the file is UTF-32; ${SAVE_AS_UTF8}`);
  }
  if (encoding === 'utf-8' && body.includes(0)) {
    throw new ConfigError(
      `read config ${file}: line ${lineOfByte(body, body.indexOf(0))} holds a zero byte (UTF-16 without a byte-order mark?); ${SAVE_AS_UTF8}`,
    );
  }
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
  } catch (error) {
    throw new ConfigError(`read config ${file}: ${describeBadBytes(body, encoding)}; ${SAVE_AS_UTF8}`, {
      cause: error,
    });
  }
}

/** Where decoding fails: for UTF-8, the line of the first byte that cannot be part of UTF-8 text, and that byte. */
function describeBadBytes(body: Uint8Array, encoding: Encoding): string {
  if (encoding !== 'utf-8') return `the file is not valid ${encoding.toUpperCase()}`;
  const at = firstInvalidByte(body);
  // the decoder notices a bad lead byte only at the byte after it: report the last non-ASCII one
  const bad = body.subarray(0, at + 1).findLast((byte) => byte > 0x7f) ?? 0;
  return `line ${lineOfByte(body, at)} is not UTF-8 (byte 0x${bad.toString(16).toUpperCase()}: an ANSI or Windows-1252 file?)`;
}

/** The index at which a streaming UTF-8 decoder first fails; the last index when only the end is cut short. */
function firstInvalidByte(body: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < body.length; i++) {
    try {
      decoder.decode(body.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return Math.max(0, body.length - 1);
}

function lineOfByte(bytes: Uint8Array, index: number): number {
  return bytes.subarray(0, index).filter((byte) => byte === 0x0a).length + 1;
}
