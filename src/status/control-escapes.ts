/**
 * Text from outside the program (file names, keys, errors that quote them) as a terminal or a line log shows it. A
 * control character in a file name would otherwise reach the terminal as a command (ESC[2J clears the screen, a
 * colour code paints what follows, a carriage return overwrites the line) or forge a line of a log (a newline).
 * The status file, the CSV log and JSON output keep the real names: their quoting already makes them safe.
 */

// C0, DEL, C1, the Unicode line and paragraph separators, and the bidirectional embeddings, overrides and isolates,
// which reorder how the rest of a line reads
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with each control character written as an escape: `\n`, `\r`, `\t`, `\x1b`, `\x85`, `\u202e`. Text without
 * one comes back as it is, and the result holds none, so escaping twice changes nothing.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, escapeOne);
}

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}
