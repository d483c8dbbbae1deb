/**
 * Most config files are a flat list of `key: value` lines. Reading those without the YAML library saves every
 * command that reads a config the library's loading and its first, cold parse (about 12 ms of a dry run's 85 on
 * Node 24). Only a subset whose meaning is beyond doubt is read here: anything else, and anything the library
 * would report (a key given twice), is left to the library, so a file means the same and fails with the same
 * message either way.
 */

/** A top-level key: letters, digits, `_` and `-`, starting with a letter or `_`. */
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
/** A single-line quoted value and what follows it: nothing, or a comment (which YAML starts only after a space). */
const SINGLE_QUOTED = /^'((?:[^']|'')*)'(?: *| +#.*)$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"(?: *| +#.*)$/;
/**
 * Printable ASCII, the space and line ends: tabs, control characters and other scripts go to the library. A
 * carriage return inside a line is let through here and stops the line patterns, whose `.` does not match it.
 */
const SUBSET_CHARACTERS = /^[\x20-\x7e\r\n]*$/;
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
  if (!SUBSET_CHARACTERS.test(text)) return undefined;
  const mapping: Record<string, unknown> = {};
  for (const line of text.split(/\r?\n/)) {
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
  if (rest.startsWith("'")) return boxed(SINGLE_QUOTED.exec(rest)?.[1]?.replaceAll("''", "'"));
  // a backslash is an escape in double quotes: the library knows them, and explains a Windows path written so
  if (rest.startsWith('"')) return boxed(DOUBLE_QUOTED.exec(rest)?.[1]);
  const comment = rest.indexOf(' #');
  const plain = (comment < 0 ? rest : rest.slice(0, comment)).trimEnd();
  if (plain.includes(': ') || plain.endsWith(':')) return undefined;
  return resolvePlain(plain);
}

function boxed(value: string | undefined): { value: string } | undefined {
  return value === undefined ? undefined : { value };
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
