import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument as parseYamlDocument, YAMLError } from 'yaml';
import { ConfigError, quoteValue } from '../errors.js';

/** The keys a config file may hold, as written in YAML (snake_case). */
export interface ConfigFile {
  bucket?: string;
  region?: string;
  endpoint_url?: string;
  force_path_style?: boolean;
  prefix?: string;
  auth_mode?: AuthMode;
  aws_access_key_id?: string;
  aws_secret_access_key?: string;
  aws_session_token?: string;
  profile?: string;
  keyring_service?: string;
  project_base?: string;
  max_concurrency?: string | number;
  max_memory?: string | number;
  max_bandwidth?: string | number;
  socket_timeout?: string | number;
  status_json?: string;
  status_interval?: number;
  log_csv?: string;
  state_dir?: string;
  min_file_age?: number | string;
  folder_types?: Record<string, string[]>;
  sse?: string;
  sse_kms_key_id?: string;
  checksum_algorithm?: string;
}

export type AuthMode = 'config' | 'instance' | 'keyring' | 'profile';
export const AUTH_MODES: readonly AuthMode[] = ['config', 'instance', 'keyring', 'profile'];

type KeyKind = 'string' | 'boolean' | 'number' | 'string-or-number' | 'auth-mode' | 'folder-types';

const KEY_KINDS: Record<keyof ConfigFile, KeyKind> = {
  bucket: 'string',
  region: 'string',
  endpoint_url: 'string',
  force_path_style: 'boolean',
  prefix: 'string',
  auth_mode: 'auth-mode',
  aws_access_key_id: 'string',
  aws_secret_access_key: 'string',
  aws_session_token: 'string',
  profile: 'string',
  keyring_service: 'string',
  project_base: 'string',
  max_concurrency: 'string-or-number',
  max_memory: 'string-or-number',
  max_bandwidth: 'string-or-number',
  socket_timeout: 'string-or-number',
  status_json: 'string',
  status_interval: 'number',
  log_csv: 'string',
  state_dir: 'string',
  min_file_age: 'string-or-number',
  sse: 'string',
  sse_kms_key_id: 'string',
  checksum_algorithm: 'string',
  folder_types: 'folder-types',
};

/** Keys holding paths, resolved against the config file's folder (the seed's `resolve_project_base`). */
const PATH_KEYS = ['project_base', 'status_json', 'log_csv', 'state_dir'] as const;

/** A loaded config file with its absolute path, for messages and relative-path resolution. */
export interface LoadedConfig {
  path: string;
  values: ConfigFile;
}

/**
 * Loads and validates a YAML config file (the seed's `load_cfg`). Every problem is collected
 * and reported at once, each with its key, in one {@link ConfigError} naming the file.
 * Relative paths in path keys are resolved against the config file's folder.
 */
export async function loadConfigFile(configPath: string): Promise<LoadedConfig> {
  const absolute = path.resolve(configPath);
  const document = parseDocument(await readConfigText(absolute), absolute);
  const problems = validateConfig(document);
  if (problems.length > 0) {
    throw new ConfigError(`config ${absolute}: ${problems.join('; ')}; fix the file and run again`);
  }
  const values = document as ConfigFile;
  for (const key of PATH_KEYS) {
    const value = values[key];
    if (value !== undefined) values[key] = path.resolve(path.dirname(absolute), value);
  }
  return { path: absolute, values };
}

async function readConfigText(absolute: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder' : `cannot read (${code})`;
    throw new ConfigError(`read config ${absolute}: ${what}; pass an existing YAML file with --config`, {
      cause: error,
    });
  }
}

function parseDocument(text: string, absolute: string): Record<string, unknown> {
  let document: unknown;
  try {
    const parsed = parseYamlDocument(text, { uniqueKeys: true, prettyErrors: false });
    // a warning (an unknown tag, an ambiguous anchor) means the file does not say what its author meant
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem) throw problem;
    document = parsed.toJS();
  } catch (error) {
    const detail = error instanceof YAMLError ? describeYamlError(error, text) : firstLine(String(error));
    throw new ConfigError(`parse config ${absolute}: malformed YAML (${detail}); fix the syntax`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`parse config ${absolute}: expected a mapping of keys like 'bucket: my-bucket'`);
  }
  return document as Record<string, unknown>;
}

/** The parser's message with the line it points at and, for a key given twice, that key. */
function describeYamlError(error: YAMLError, text: string): string {
  const start = error.pos[0];
  const line = text.slice(0, start).split('\n').length;
  const key =
    error.code === 'DUPLICATE_KEY' ? ` (${quoteValue(/^[^:\n]*/.exec(text.slice(start))?.[0].trim())})` : '';
  return `line ${line}: ${firstLine(error.message)}${key}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Returns one message per invalid key; an empty list means the document is valid. */
export function validateConfig(document: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    const kind = KEY_KINDS[key as keyof ConfigFile];
    if (kind === undefined) {
      problems.push(`unknown key ${quoteValue(key)}${suggestKey(key)}`);
    } else if (value !== null) {
      const problem = checkValue(kind, value);
      if (problem) problems.push(`'${key}' ${problem}`);
    }
  }
  for (const [key, value] of Object.entries(document)) if (value === null) delete document[key];
  return problems;
}

function checkValue(kind: KeyKind, value: unknown): string | undefined {
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
  for (const [name, extensions] of Object.entries(value)) {
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      return `has an invalid folder type name ${quoteValue(name)} (use letters, digits, _ or -)`;
    if (
      !Array.isArray(extensions) ||
      !extensions.every((e) => typeof e === 'string' && /^\.?[\w.-]+$/.test(e))
    ) {
      return `entry '${name}' must be a list of extensions like [.mp4, .json]`;
    }
  }
  return undefined;
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
