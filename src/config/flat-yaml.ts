/**
 * Most config files are a flat list of `key: value` lines. Reading those without the YAML library saves every
 * command that reads a config the library's loading and its first, cold parse (about 12 ms of a dry run's 85 on
 * Node 24). Only a subset whose meaning is beyond doubt is read here: anything else, and anything the library
 * would report (a key given twice), is left to the library, so a file means the same and fails with the same
 * message either way.
 */

/** A top-level key: letters, digits, `_` and `-`, starting with a letter or `_`. */
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
/** What may follow a quoted value: nothing, or a comment (which YAML starts only after a space). */
const AFTER_VALUE = /^(?: *| +#.*)$/;
/** Printable ASCII and the space: tabs, control characters and other scripts go to the library. */
const SUBSET_CHARACTERS = /^[\x20-\x7e\n]*$/;
/** A plain value may not start with an indicator; `-` and `.` only start the numbers read below. */
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`.+]/;
const NUMBER_START = /^[-+.0-9]/;
const INTEGER = /^[-+]?[0-9]{1,15}$/;
const DECIMAL = /^[-+]?(?:\.[0-9]+|[0-9]{1,15}\.[0-9]*)$/;
const NULL_WORDS = new Set(['~', 'null', 'Null', 'NULL']);
const BOOLEANS = new Map([
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);

/**
 * The mapping a flat YAML text holds, as YAML 1.2's core schema reads it (what the `yaml` package's `parse`
 * returns), or undefined when the text is not flat or not plainly so: then the library must read it.
 */
export function parseFlatYaml(text: string): Record<string, unknown> | undefined {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (!lines.every((line) => SUBSET_CHARACTERS.test(line))) return undefined;
  const mapping: Record<string, unknown> = {};
  for (const line of lines) {
    if (/^ *(?:#.*)?$/.test(line)) continue;
    const match = KEY_LINE.exec(line);
    const key = match?.[1];
    if (key === undefined || Object.hasOwn(mapping, key) || !isPlainKey(key)) return undefined;
    const value = readValue(match?.[2] ?? '');
    if (value === undefined) return undefined;
    mapping[key] = value.value;
  }
  return mapping;
}

function isPlainKey(key: string): boolean {
  return key !== '__proto__' && !NULL_WORDS.has(key) && !BOOLEANS.has(key);
}

/** The value after `key: `, boxed (a YAML value may be null); undefined when the library must read it. */
function readValue(rest: string): { value: unknown } | undefined {
  // the spaces after the colon are not in `rest`: a `#` here starts a comment
  if (rest === '' || rest.startsWith('#')) return { value: null };
  if (rest.startsWith("'")) return readQuoted(rest, "'");
  if (rest.startsWith('"')) return readQuoted(rest, '"');
  const comment = rest.indexOf(' #');
  const plain = (comment < 0 ? rest : rest.slice(0, comment)).trimEnd();
  if (plain.includes(': ') || plain.endsWith(':')) return undefined;
  return resolvePlain(plain);
}

/**
 * A single-line quoted value: single quotes escape only themselves (`''`); a double-quoted value with a
 * backslash is left to the library, which knows its escapes and explains a Windows path written in one.
 */
function readQuoted(rest: string, quote: "'" | '"'): { value: string } | undefined {
  let end = 1;
  let value = '';
  for (;;) {
    const close = rest.indexOf(quote, end);
    if (close < 0) return undefined;
    value += rest.slice(end, close);
    if (quote === "'" && rest[close + 1] === "'") {
      value += "'";
      end = close + 2;
      continue;
    }
    end = close + 1;
    break;
  }
  if (quote === '"' && value.includes('\\')) return undefined;
  return AFTER_VALUE.test(rest.slice(end)) ? { value } : undefined;
}

/** A plain scalar by the core schema: null, a boolean, a plain decimal number, or a string. */
function resolvePlain(plain: string): { value: unknown } | undefined {
  if (NULL_WORDS.has(plain)) return { value: null };
  const boolean = BOOLEANS.get(plain);
  if (boolean !== undefined) return { value: boolean };
  if (INTEGER.test(plain) || DECIMAL.test(plain)) return { value: Number(plain) };
  // hexadecimal, octal, exponents, .inf and .nan, dates and negative words stay with the library
  if (NUMBER_START.test(plain) || INDICATOR_START.test(plain)) return undefined;
  return { value: plain };
}
