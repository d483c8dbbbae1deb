/**
 * Control characters in text from outside the program (file names, keys, settings, errors that quote them): the one
 * place that says which characters they are and how they are written escaped. A control character in a file name
 * would otherwise reach the terminal as a command (ESC[2J clears the screen, a colour code paints what follows, a
 * carriage return overwrites the line) or forge a line of a log (a newline). The status file, the CSV log and JSON
 * output keep the real names: their quoting already makes them safe.
 */

// C0, DEL, C1 and the Unicode line and paragraph separators: each breaks a line or sends the terminal a command
const LINE_CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
// the bidirectional embeddings, overrides and isolates, which reorder how the rest of a line reads
const BIDI_CONTROLS = '\\u202a-\\u202e\\u2066-\\u2069';
const CONTROLS = new RegExp(`[${LINE_CONTROLS}${BIDI_CONTROLS}]`, 'g');
const LINE_BREAKING = new RegExp(`[${LINE_CONTROLS}]`, 'g');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * How an escaped character is written: `short` as a terminal line shows file names (`\n`, `\x1b`, `\u202e`), or
 * `code-point` as a message quotes a value (`\u000a`, `\u001b`), where a Windows path's backslashes would make `\n`
 * read as part of the path (`D:\new`).
 */
export type EscapeNotation = 'short' | 'code-point';

/**
 * `text` with each control character (C0, DEL, C1, the Unicode line and paragraph separators, the bidirectional
 * controls) written as an escape in `notation`. Text without one comes back as it is, and the result holds none,
 * so escaping twice changes nothing.
 */
export function escapeControls(text: string, notation: EscapeNotation = 'short'): string {
  return text.replace(CONTROLS, notation === 'short' ? escapeShort : escapeCodePoint);
}

/**
 * The first character of `text` that breaks a line or sends the terminal a command (C0, DEL, C1, the Unicode line
 * and paragraph separators), or undefined when there is none. The bidirectional controls are not among them: a
 * setting may name a folder that holds one.
 */
export function findLineBreakingControl(text: string): string | undefined {
  const index = text.search(LINE_BREAKING);
  return index < 0 ? undefined : text.charAt(index);
}

/** `text` with each character {@link findLineBreakingControl} finds replaced by what `replace` gives for it. */
export function replaceLineBreakingControls(text: string, replace: (char: string) => string): string {
  return text.replace(LINE_BREAKING, replace);
}

function escapeShort(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

function escapeCodePoint(char: string): string {
  return `\\u${hex(char.charCodeAt(0), 4)}`;
}

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}
