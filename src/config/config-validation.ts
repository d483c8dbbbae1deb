import { DEFAULT_FOLDER_TYPES } from '../collector/folder-types.js';
import { quoteValue, UploadError } from '../errors.js';
import {
  AUTH_MODES,
  KEY_KINDS,
  PATH_KEYS,
  type AuthMode,
  type ConfigFile,
  type KeyKind,
} from './config-keys.js';
import { describeConfigControlCharacter } from './control-characters.js';
import {
  parseBandwidth,
  parseBucketName,
  parseConcurrency,
  parseEndpoint,
  parseInterval,
  parseMemoryBudget,
  parseRegion,
  parseSeconds,
} from './parse-values.js';

type ValueRule = (value: string | number, key: string) => unknown;

/**
 * Rules beyond the YAML type, run on a value of the right type: the parsers the flags go through, so a
 * file value is refused exactly as the flag would be, but with every other problem of the file.
 */
const VALUE_RULES: Partial<Record<keyof ConfigFile, ValueRule>> = {
  bucket: (value, key) => parseBucketName(String(value), key),
  region: (value, key) => parseRegion(String(value), key),
  endpoint_url: (value, key) => parseEndpoint(String(value), key),
  max_concurrency: (value, key) => parseConcurrency(value, key),
  max_memory: parseMemoryBudget,
  max_bandwidth: parseBandwidth,
  socket_timeout: (value, key) => parseInterval(value, key, 1),
  status_interval: (value, key) => parseInterval(value, key, 0.1),
  min_file_age: parseSeconds,
};

/**
 * Checks a parsed config document in one pass: unknown keys, wrong types, control characters, values the
 * parsers refuse and keys that contradict each other. Keys set to null (empty in YAML) are removed.
 * @returns one message per problem, each naming its key; an empty list means the document is valid.
 */
export function validateConfig(document: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    const problem = checkEntry(key, value);
    if (problem) problems.push(problem);
  }
  for (const [key, value] of Object.entries(document)) if (value === null) delete document[key];
  const credentials = checkCredentials(document);
  if (credentials) problems.push(credentials);
  return problems;
}

function checkEntry(key: string, value: unknown): string | undefined {
  if (!Object.hasOwn(KEY_KINDS, key)) return `unknown key ${quoteValue(key)}${suggestKey(key)}`;
  if (value === null) return undefined;
  const typeProblem = checkType(KEY_KINDS[key as keyof ConfigFile], value);
  if (typeProblem) return `'${key}' ${typeProblem}`;
  if (typeof value === 'string') {
    const kind = (PATH_KEYS as readonly string[]).includes(key) ? 'path' : 'text';
    const control = describeConfigControlCharacter(key, value, kind);
    if (control) return control;
  }
  return checkRule(key as keyof ConfigFile, value as string | number);
}

function checkRule(key: keyof ConfigFile, value: string | number): string | undefined {
  try {
    VALUE_RULES[key]?.(value, key);
    return undefined;
  } catch (error) {
    if (error instanceof UploadError) return error.message;
    throw error;
  }
}

/** Keys for auth_mode config (given, or implied by an access key id) come as a pair. */
function checkCredentials(document: Record<string, unknown>): string | undefined {
  const id = document.aws_access_key_id;
  const secret = document.aws_secret_access_key;
  const mode = document.auth_mode ?? (id !== undefined ? 'config' : undefined);
  if (mode === 'config' && (id === undefined || secret === undefined)) {
    return 'auth_mode config: aws_access_key_id and aws_secret_access_key must both be set in the config; or use auth_mode instance, profile or keyring';
  }
  if (mode === undefined && secret !== undefined) {
    return 'aws_secret_access_key is set without aws_access_key_id; set both (auth_mode config) or remove it';
  }
  return undefined;
}

function checkType(kind: KeyKind, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value.trim() !== '' ? undefined : 'must be a non-empty text value';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'number':
      return typeof value === 'number' && value > 0 ? undefined : 'must be a positive number';
    case 'string-or-number':
      return typeof value === 'string' || typeof value === 'number' ? undefined : 'must be a number or text';
    case 'auth-mode':
      return AUTH_MODES.includes(value as AuthMode) ? undefined : `must be one of ${AUTH_MODES.join(', ')}`;
    case 'folder-types':
      return checkFolderTypes(value);
  }
}

function checkFolderTypes(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must map folder type names to lists of extensions, e.g. reels: [.mp4, .json]';
  }
  const names = Object.keys(value);
  for (const [index, [name, extensions]] of Object.entries(value).entries()) {
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      return `has an invalid folder type name ${quoteValue(name)} (use letters, digits, _ or -)`;
    if (
      !Array.isArray(extensions) ||
      !extensions.every((e) => typeof e === 'string' && /^\.?[\w.-]+$/.test(e))
    ) {
      return `entry '${name}' must be a list of extensions like [.mp4, .json]`;
    }
    const twin = findCaseTwin(name, names.slice(0, index));
    if (twin !== undefined)
      return `entry '${name}' differs from '${twin}' only in case (folder types match case-insensitively); use '${twin}'`;
  }
  return undefined;
}

/** A built-in folder type, or one named earlier in the file, spelt like `name` but for case. */
function findCaseTwin(name: string, earlier: readonly string[]): string | undefined {
  return [...Object.keys(DEFAULT_FOLDER_TYPES), ...earlier].find(
    (other) => other !== name && other.toLowerCase() === name.toLowerCase(),
  );
}

function suggestKey(key: string): string {
  const known = Object.keys(KEY_KINDS);
  const best = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= 3
    ? ` (did you mean '${best.candidate}'?)`
    : ` (known keys: ${known.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
