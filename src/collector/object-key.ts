import { ConfigError, quoteValue, SourceError } from '../errors.js';

/** S3 refuses keys longer than this many UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Normalises a key prefix: forward slashes, no leading slash, no empty segments, one trailing
 * slash, or '' for none.
 */
export function normalizePrefix(prefix: string | undefined): string {
  const segments = splitSegments(prefix ?? '');
  return segments.length === 0 ? '' : `${segments.join('/')}/`;
}

/** The segments of a prefix or a project key, which take either slash, or of a relative path of `pathStyle`. */
function splitSegments(text: string, pathStyle: PathStyle = 'win32'): string[] {
  return text
    .normalize('NFC')
    .split(SEPARATORS[pathStyle])
    .filter((segment) => segment !== '' && segment !== '.');
}

/** The parts a key is built from; `relPath` is as the walk made it, with the separators of `pathStyle`. */
export interface KeyParts {
  prefix: string;
  projectKey: string;
  folderType: string;
  timestamp?: string | undefined;
  relPath: string;
  /** Whose relative path: this machine's unless said. */
  pathStyle?: PathStyle | undefined;
}

/**
 * How a relative path separates its folders: Windows takes either slash; elsewhere only `/` does, and a `\` is a
 * character of a name (`back\slash.log` is one file, and its key keeps it).
 */
export type PathStyle = 'win32' | 'posix';

const HOST_PATH_STYLE: PathStyle = process.platform === 'win32' ? 'win32' : 'posix';

const SEPARATORS: Record<PathStyle, RegExp> = { win32: /[\\/]+/, posix: /\/+/ };

/**
 * Builds `{prefix/}{project_key}/{folder_type}/[{timestamp}/]{rel_path}` with forward slashes
 * whatever the OS, no empty segments and Unicode in NFC.
 * @throws SourceError when the key would exceed S3's 1,024-byte limit or climbs out with '..'; its message names
 *   no path, which whoever reports it puts first.
 */
export function buildObjectKey(parts: KeyParts): string {
  return joinObjectKey(objectKeyHead(parts), parts.relPath, parts.pathStyle);
}

/**
 * The part of every key of one folder type before the relative path: `{prefix/}{project_key}/{folder_type}[/{timestamp}]`.
 * Built once for many files, then completed by {@link joinObjectKey}.
 */
export function objectKeyHead(parts: Omit<KeyParts, 'relPath'>): string {
  return [
    ...splitSegments(parts.prefix),
    ...splitSegments(parts.projectKey),
    parts.folderType,
    ...(parts.timestamp ? [parts.timestamp] : []),
  ].join('/');
}

/**
 * `head` (from {@link objectKeyHead}) and `relPath` as a key: what {@link buildObjectKey} returns.
 * @throws SourceError as buildObjectKey does.
 */
export function joinObjectKey(head: string, relPath: string, pathStyle = HOST_PATH_STYLE): string {
  const relSegments = splitSegments(relPath, pathStyle);
  if (relSegments.includes('..')) {
    throw new SourceError(
      `build key: the path leaves its folder with '..'; move the file inside the project`,
    );
  }
  const key = relSegments.length === 0 ? head : `${head}/${relSegments.join('/')}`;
  assertKeyLength(key);
  return key;
}

function assertKeyLength(key: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most keys are short enough not to need counting
  if (key.length * 3 <= MAX_KEY_BYTES) return;
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes <= MAX_KEY_BYTES) return;
  throw new SourceError(
    `build key: the key is ${keyBytes} bytes, over S3's limit of ${MAX_KEY_BYTES}; shorten the path or the prefix`,
  );
}

/**
 * Checks a project key: letters, digits, '-', '_' and '.', as used in survey project codes like RMI25320.
 * @throws ConfigError naming --project-key.
 */
export function validateProjectKey(projectKey: string): string {
  const trimmed = projectKey.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(trimmed)) {
    throw new ConfigError(
      `--project-key: ${quoteValue(projectKey)} is not a project key; use letters, digits, '.', '_' or '-', like RMI25320`,
    );
  }
  return trimmed;
}
