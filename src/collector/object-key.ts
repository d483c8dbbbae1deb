import { ConfigError, quoteValue, SourceError } from '../errors.js';

/** S3 refuses keys longer than this many UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Normalises a key prefix: forward slashes, no leading slash, no empty segments, one trailing
 * slash, or '' for none (the seed's `normalize_s3_prefix`).
 */
export function normalizePrefix(prefix: string | undefined): string {
  const segments = splitSegments(prefix ?? '');
  return segments.length === 0 ? '' : `${segments.join('/')}/`;
}

function splitSegments(text: string): string[] {
  return text
    .normalize('NFC')
    .split(/[\\/]+/)
    .filter((segment) => segment !== '' && segment !== '.');
}

/** The parts a key is built from; `relPath` may use either separator. */
export interface KeyParts {
  prefix: string;
  projectKey: string;
  folderType: string;
  timestamp?: string | undefined;
  relPath: string;
}

/**
 * Builds `{prefix/}{project_key}/{folder_type}/[{timestamp}/]{rel_path}` with forward slashes
 * whatever the OS, no empty segments and Unicode in NFC.
 * @throws SourceError when the key would exceed S3's 1,024-byte limit or climbs out with '..'.
 */
export function buildObjectKey(parts: KeyParts): string {
  const relSegments = splitSegments(parts.relPath);
  if (relSegments.includes('..')) {
    throw new SourceError(
      `build key for ${parts.relPath}: the path leaves its folder with '..'; move the file inside the project`,
    );
  }
  const segments = [
    ...splitSegments(parts.prefix),
    ...splitSegments(parts.projectKey),
    parts.folderType,
    ...(parts.timestamp ? [parts.timestamp] : []),
    ...relSegments,
  ];
  const key = segments.join('/');
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes > MAX_KEY_BYTES) {
    throw new SourceError(
      `build key for ${parts.relPath}: the key is ${keyBytes} bytes, over S3's limit of ${MAX_KEY_BYTES}; shorten the path or the prefix`,
    );
  }
  return key;
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
