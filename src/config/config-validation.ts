import { parseBandwidthSchedule } from './bandwidth-schedule.js';
import { DEFAULT_FOLDER_TYPES } from '../collector/folder-types.js';
import { ConfigError, quoteValue, UploadError } from '../errors.js';
import {
  AUTH_MODES,
  KEY_KINDS,
  PATH_KEYS,
  type AuthMode,
  type ConfigFile,
  type KeyKind,
} from './config-keys.js';
import { describeConfigControlCharacter } from './control-characters.js';
import { parseAccountId, parseAcl, parseMetadata, parseStorageClass, parseTags } from './object-options.js';
import {
  parseBucketName,
  parseConcurrency,
  parseEndpoint,
  parseInterval,
  parseMemoryBudget,
  parseRegion,
  parseSeconds,
} from './parse-values.js';
import { closestSpelling } from './edit-distance.js';

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
  max_bandwidth: parseBandwidthSchedule,
  socket_timeout: (value, key) => parseInterval(value, key, 1),
  status_interval: (value, key) => parseInterval(value, key, 0.1),
  min_file_age: parseSeconds,
  storage_class: (value, key) => parseStorageClass(String(value), key),
  acl: (value, key) => parseAcl(String(value), key),
  expected_bucket_owner: (value, key) => parseAccountId(String(value), key),
};

type MapRule = (value: Record<string, string>, key: string, document: Record<string, unknown>) => unknown;

/** Rules for the keys that hold maps, run on the map with its values as text. */
const MAP_RULES: Partial<Record<keyof ConfigFile, MapRule>> = {
  tags: parseTags,
  metadata: parseMetadata,
  storage_class: checkStorageClassMap,
};

/**
 * Checks a parsed config document in one pass: unknown keys, wrong types, control characters, values the
 * parsers refuse and keys that contradict each other. Keys set to null (empty in YAML) are removed.
 * @returns one message per problem, each naming its key; an empty list means the document is valid.
 */
export function validateConfig(document: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    const problem = checkEntry(key, value, document);
    if (problem) problems.push(problem);
  }
  for (const [key, value] of Object.entries(document)) if (value === null) delete document[key];
  for (const check of [checkCredentials, checkEncryption]) {
    const problem = check(document);
    if (problem) problems.push(problem);
  }
  return problems;
}

function checkEntry(key: string, value: unknown, document: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(KEY_KINDS, key)) return `unknown key ${quoteValue(key)}${suggestKey(key)}`;
  if (value === null) return undefined;
  const typeProblem = checkType(KEY_KINDS[key as keyof ConfigFile], value);
  if (typeProblem) return `'${key}' ${typeProblem}${SECRET_KEYS.has(key) ? '' : notThisValue(value)}`;
  if (typeof value === 'string') {
    const kind = (PATH_KEYS as readonly string[]).includes(key) ? 'path' : 'text';
    const control = describeConfigControlCharacter(key, value, kind);
    if (control) return control;
  }
  if (typeof value === 'object')
    return checkRule(() => MAP_RULES[key as keyof ConfigFile]?.(textMap(value), key, document));
  return checkRule(() => VALUE_RULES[key as keyof ConfigFile]?.(value as string | number, key));
}

/** A validated map's values as text (YAML reads `cost_center: 1234` as a number). */
function textMap(value: object): Record<string, string> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function checkRule(rule: () => unknown): string | undefined {
  try {
    rule();
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

/** SSE-C excludes the other encryptions; a Bucket Key is a SSE-KMS setting. */
function checkEncryption(document: Record<string, unknown>): string | undefined {
  const sse = typeof document.sse === 'string' ? document.sse.toLowerCase() : undefined;
  const keyring = document.sse_customer_key_in_keyring === true;
  if (document.sse_customer_key_file !== undefined && sse !== undefined)
    return 'sse_customer_key_file with sse: an object has one encryption; remove sse to use SSE-C, or the key file';
  if (keyring && sse !== undefined)
    return 'sse_customer_key_in_keyring with sse: an object has one encryption; remove sse to use SSE-C, or the keyring key';
  if (keyring && document.sse_customer_key_file !== undefined)
    return 'sse_customer_key_in_keyring with sse_customer_key_file: one SSE-C key; keep the keyring or the file';
  if (document.sse_bucket_key === true && sse !== 'aws:kms')
    return 'sse_bucket_key: an S3 Bucket Key needs SSE-KMS; also set sse: aws:kms';
  return undefined;
}

/** A per-folder-type storage class map names folder types that exist (or `default`) and valid classes. */
function checkStorageClassMap(
  map: Record<string, string>,
  key: string,
  document: Record<string, unknown>,
): void {
  const custom = document.folder_types;
  const known = [
    'default',
    ...Object.keys(DEFAULT_FOLDER_TYPES),
    ...(typeof custom === 'object' && custom !== null ? Object.keys(custom) : []),
  ].map((name) => name.toLowerCase());
  for (const [folderType, storageClass] of Object.entries(map)) {
    if (!known.includes(folderType.toLowerCase()))
      throw new ConfigError(
        `'${key}' names ${quoteValue(folderType)}, which is no folder type; use default or one of ${known.slice(1).join(', ')}`,
      );
    parseStorageClass(storageClass, `${key}.${folderType}`);
  }
}

/** Keys whose value is never shown, whatever is wrong with it (the key id too: masked wherever else it shows). */
const SECRET_KEYS = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']);

/** `, not 'yes'`: the value a scalar key was given, so the line shows what to change; a list or map is not shown. */
function notThisValue(value: unknown): string {
  const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  return scalar ? `, not ${quoteValue(String(value))}` : '';
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
    case 'storage-class':
      return typeof value === 'string' || isTextMap(value)
        ? undefined
        : 'must be a storage class, or a map of folder type to class, e.g. { default: STANDARD, reels: DEEP_ARCHIVE }';
    case 'string-map':
      return isTextMap(value) ? undefined : 'must map names to text values, e.g. { project: RMI25320 }';
  }
}

function isTextMap(value: unknown): value is Record<string, string | number> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number')
  );
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
    if (extensions.length === 0)
      return `entry '${name}' lists no extension, so none of its files would be uploaded; list them like [.mp4, .json], or leave the type out with --exclude ${name}`;
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
  const best = closestSpelling(key, known, 3) ?? onlyKeyNamedBy(key, known);
  return best ? ` (did you mean '${best}'?)` : ` (known keys: ${known.join(', ')})`;
}

/** The one known key that has `word` as one of its `_`-separated words, as `endpoint_url` has `endpoint`. */
function onlyKeyNamedBy(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const named = known.filter((key) => key.split('_').includes(lower));
  return named.length === 1 ? named[0] : undefined;
}
