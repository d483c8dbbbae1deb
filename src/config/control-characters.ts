import { findLineBreakingControl, replaceLineBreakingControls } from '../status/control-escapes.js';

/**
 * Control characters in settings. They never belong in a path, a name or a key, and they arrive by
 * accident: YAML double quotes read `"D:\new\reels"` as `D:` newline `ew` carriage return `eels`, and a
 * script that reads a value from a file with Windows line endings keeps its carriage return.
 */

/** What each character YAML's double-quoted escapes produce is called, and the escape that produces it. */
const KNOWN: Record<string, { name: string; escape: string }> = {
  '\0': { name: 'a null character', escape: '\\0' },
  '\x07': { name: 'a bell character', escape: '\\a' },
  '\b': { name: 'a backspace', escape: '\\b' },
  '\t': { name: 'a tab', escape: '\\t' },
  '\n': { name: 'a newline', escape: '\\n' },
  '\v': { name: 'a vertical tab', escape: '\\v' },
  '\f': { name: 'a form feed', escape: '\\f' },
  '\r': { name: 'a carriage return', escape: '\\r' },
  '\x1b': { name: 'an escape character', escape: '\\e' },
  '\x85': { name: 'a next-line character', escape: '\\N' },
  '\u2028': { name: 'a line separator', escape: '\\L' },
  '\u2029': { name: 'a paragraph separator', escape: '\\P' },
};

function describe(char: string): { name: string; escape: string } {
  const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
  return KNOWN[char] ?? { name: `a control character (U+${hex.toUpperCase()})`, escape: `\\u${hex}` };
}

/** True when `text` holds a control character or a Unicode line break. */
export function hasControlCharacter(text: string): boolean {
  return findLineBreakingControl(text) !== undefined;
}

/** `text` as it was most likely typed in YAML double quotes: each control character back as its escape. */
export function restoreEscapes(text: string): string {
  return replaceLineBreakingControls(text, (char) => describe(char).escape);
}

/**
 * The problem with a config file value holding a control character, or undefined when it holds none.
 * A path gets its likely intended spelling back in the fix; any other value (a secret, say) is never shown.
 */
export function describeConfigControlCharacter(
  key: string,
  value: string,
  kind: 'path' | 'text',
): string | undefined {
  const char = findLineBreakingControl(value);
  if (char === undefined) return undefined;
  const { name, escape } = describe(char);
  const cause = `${key} contains ${name} (in double quotes YAML reads ${escape} as an escape)`;
  return kind === 'path'
    ? `${cause}; write the path in single quotes ('${restoreEscapes(value)}') or with forward slashes`
    : `${cause}; write the value in single quotes, or remove the character`;
}

/**
 * The problem with a flag or environment variable holding a control character, or undefined when it
 * holds none. The value is not shown: it may be a secret, and it is unprintable anyway.
 */
export function describeArgumentControlCharacter(source: string, value: string): string | undefined {
  const char = findLineBreakingControl(value);
  if (char === undefined) return undefined;
  const hint = char === '\r' ? ' (a Windows line ending kept by the script that built it?)' : '';
  return `${source} contains ${describe(char).name}${hint}; pass the value without it`;
}
