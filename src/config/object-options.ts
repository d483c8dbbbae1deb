import { readFileSync } from 'node:fs';
import { ConfigError, quoteValue } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import {
  CANNED_ACLS,
  customerKeyFrom,
  OWN_METADATA_KEYS,
  type CannedAcl,
  type CustomerKey,
  type EncryptionRequest,
  type ObjectSettings,
  type RequestSettings,
} from '../remote/object-settings.js';
import { decodeConfigText } from './config-text.js';

/**
 * How new objects are stored, as resolved from flags and config: one set of settings for every folder type
 * but the storage class, which the config may give per folder type.
 */
export interface ObjectOptions {
  base: ObjectSettings;
  /** Storage class by folder type (lower case); `base.storageClass` for the others. */
  storageClassByType: Record<string, string>;
  requests: RequestSettings;
}

/** The settings a file of `folderType` is stored with. */
export function settingsForType(options: ObjectOptions, folderType: string): ObjectSettings {
  const storageClass = options.storageClassByType[folderType.toLowerCase()] ?? options.base.storageClass;
  return { ...options.base, storageClass };
}

/** Where a setting came from, so an error names what the user set. */
export interface Picked<T> {
  value: T;
  source: string;
}

/** S3 tag limits: 10 tags per object, keys up to 128 characters and values up to 256. */
const MAX_TAGS = 10;
const MAX_TAG_KEY_CHARS = 128;
const MAX_TAG_VALUE_CHARS = 256;
/** S3 allows 2 KB of user metadata in all; our own keys need some of it. */
const MAX_METADATA_BYTES = 1536;

/**
 * A storage class name: upper-case letters, digits and `_` (STANDARD_IA, DEEP_ARCHIVE, or a class an
 * S3-compatible server defines). Any case is accepted. @throws ConfigError naming `source`.
 */
export function parseStorageClass(value: string, source: string): string {
  const name = value.trim().toUpperCase();
  if (/^[A-Z][A-Z0-9_]*$/.test(name)) return name;
  throw new ConfigError(
    `${source}: ${quoteValue(value)} is not a storage class; use STANDARD, STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER or DEEP_ARCHIVE`,
  );
}

/** A canned ACL. @throws ConfigError naming `source` and the ACLs S3 knows. */
export function parseAcl(value: string, source: string): CannedAcl {
  const acl = CANNED_ACLS.find((a) => a === value.trim().toLowerCase());
  if (acl) return acl;
  throw new ConfigError(
    `${source}: ${quoteValue(value)} is not a canned ACL; use one of ${CANNED_ACLS.join(', ')}`,
  );
}

/** An AWS account id: 12 digits. @throws ConfigError naming `source`. */
export function parseAccountId(value: string, source: string): string {
  const id = value.trim();
  if (/^\d{12}$/.test(id)) return id;
  throw new ConfigError(
    `${source}: ${quoteValue(value)} is not an AWS account id; give the 12 digits of the bucket owner's account`,
  );
}

/**
 * Object tags, checked against S3's limits. @throws ConfigError naming `source` and the tag at fault.
 */
export function parseTags(tags: Record<string, string>, source: string): Record<string, string> {
  const keys = Object.keys(tags);
  if (keys.length > MAX_TAGS)
    throw new ConfigError(
      `${source}: ${keys.length} tags; S3 keeps at most ${MAX_TAGS} per object, drop some`,
    );
  for (const key of keys) {
    const value = tags[key] ?? '';
    if (key === '' || [...key].length > MAX_TAG_KEY_CHARS || key.toLowerCase().startsWith('aws:'))
      throw new ConfigError(
        `${source}: tag key ${quoteValue(key)} is not allowed; use 1 to ${MAX_TAG_KEY_CHARS} characters, not starting with aws:`,
      );
    if ([...value].length > MAX_TAG_VALUE_CHARS)
      throw new ConfigError(
        `${source}: tag ${quoteValue(key)} has a value over ${MAX_TAG_VALUE_CHARS} characters; shorten it`,
      );
  }
  return tags;
}

/**
 * User metadata: lower-case names of letters, digits, `-` and `_` (they travel as x-amz-meta-* headers), ASCII
 * values, and none of our own keys. @throws ConfigError naming `source` and the entry at fault.
 */
export function parseMetadata(metadata: Record<string, string>, source: string): Record<string, string> {
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name))
      throw new ConfigError(
        `${source}: metadata name ${quoteValue(name)} is not usable; use lower-case letters, digits, - and _`,
      );
    if (OWN_METADATA_KEYS.includes(name))
      throw new ConfigError(
        `${source}: metadata name '${name}' is set by upload-to-s3 itself; choose another name`,
      );
    if (!/^[\x20-\x7e]*$/.test(value))
      throw new ConfigError(
        `${source}: metadata ${quoteValue(name)} must be printable ASCII text; change its value`,
      );
    bytes += name.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES)
    throw new ConfigError(
      `${source}: metadata is ${bytes} bytes; S3 allows about ${MAX_METADATA_BYTES} beside ours, shorten it`,
    );
  return metadata;
}

/** `k=v` flag values into a map; a later flag replaces an earlier one of the same key. */
export function parseKeyValueFlags(values: readonly string[], flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const item of values) {
    const at = item.indexOf('=');
    if (at <= 0)
      throw new ConfigError(`${flag}: ${quoteValue(item)} is not KEY=VALUE; write it as ${flag} name=value`);
    map[item.slice(0, at)] = item.slice(at + 1);
  }
  return map;
}

/**
 * Reads an SSE-C key from a file: 32 raw bytes, or their base64 (44 characters, surrounding blanks allowed).
 * The key itself never appears in a message. @throws ConfigError naming `source`.
 */
export function readCustomerKey(file: string, source: string): CustomerKey {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(
      `${source}: cannot read ${quoteValue(file)} (${code}); give the path of the SSE-C key file`,
    );
  }
  const text = keyText(bytes);
  const decoded = /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  const raw = bytes.length === 32 ? bytes : decoded?.length === 32 ? decoded : undefined;
  if (raw) {
    const key = customerKeyFrom(raw);
    registerSecret(key.keyBase64);
    return key;
  }
  throw new ConfigError(
    `${source}: ${quoteValue(file)} holds no SSE-C key; it must be 32 raw bytes or their base64 (44 characters)`,
  );
}

/**
 * A key file's text as Notepad or PowerShell 5.1 may have saved it (UTF-8 with a byte-order mark, UTF-16 with one),
 * blanks around it dropped; bytes that are no such text come back as they are, to match no key.
 */
function keyText(bytes: Buffer): string {
  try {
    return decodeConfigText(bytes, '').trim();
  } catch {
    return bytes.toString('latin1').trim();
  }
}

/** The encryption request with the Bucket Key setting, which only SSE-KMS takes. */
export function withBucketKey(
  encryption: EncryptionRequest | undefined,
  bucketKey: Picked<boolean> | undefined,
): EncryptionRequest | undefined {
  if (!bucketKey?.value) return encryption;
  if (encryption?.sse !== 'aws:kms')
    throw new ConfigError(
      `${bucketKey.source}: an S3 Bucket Key needs SSE-KMS; also set sse: aws:kms (or --sse aws:kms)`,
    );
  return { ...encryption, bucketKey: true };
}
