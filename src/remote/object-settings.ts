import { createHash } from 'node:crypto';

/** Canned ACLs S3 accepts on PutObject, CreateMultipartUpload and CopyObject. */
export type CannedAcl =
  | 'private'
  | 'public-read'
  | 'public-read-write'
  | 'authenticated-read'
  | 'aws-exec-read'
  | 'bucket-owner-read'
  | 'bucket-owner-full-control';

export const CANNED_ACLS: readonly CannedAcl[] = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
];

/** Storage classes that keep the bytes offline or that we never read back to verify. */
export const ARCHIVE_CLASSES: readonly string[] = ['GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR'];

/** Server-side encryption a request asks for: SSE-S3, SSE-KMS (key, else the account's default; Bucket Key). */
export interface EncryptionRequest {
  sse: 'AES256' | 'aws:kms';
  kmsKeyId?: string | undefined;
  /** S3 Bucket Key: fewer KMS calls for SSE-KMS objects. */
  bucketKey?: boolean | undefined;
}

/**
 * An SSE-C key (32 bytes), base64 with its MD5. It goes on every request that writes or reads the object's
 * bytes or metadata; it is never logged and never part of an error message.
 */
export interface CustomerKey {
  keyBase64: string;
  keyMd5Base64: string;
}

/** Builds a {@link CustomerKey} from the raw 32 bytes. @throws Error for another length. */
export function customerKeyFrom(raw: Buffer): CustomerKey {
  if (raw.length !== 32) throw new Error(`an SSE-C key is 32 bytes, not ${raw.length}`);
  return {
    keyBase64: raw.toString('base64'),
    keyMd5Base64: createHash('md5').update(raw).digest('base64'),
  };
}

/** How a new object is stored, beyond its bytes: chosen per folder type from the config and flags. */
export interface ObjectSettings {
  /** Absent: the bucket's default (STANDARD on Amazon S3). */
  storageClass?: string | undefined;
  encryption?: EncryptionRequest | undefined;
  /** Object tags (x-amz-tagging). */
  tags: Record<string, string>;
  /** User metadata the config adds; our own `mtime-ms` and `sha256` always win. */
  metadata: Record<string, string>;
  acl?: CannedAcl | undefined;
}

/** Settings every request of a run shares: the SSE-C key and the account that must own the bucket. */
export interface RequestSettings {
  customerKey?: CustomerKey | undefined;
  /** The keyring service whose entry holds the SSE-C key, until it is read into `customerKey`. */
  customerKeyInKeyring?: string | undefined;
  /** Sent as x-amz-expected-bucket-owner: S3 answers 403 when another account owns the bucket. */
  expectedBucketOwner?: string | undefined;
}

/** Metadata keys the verifier relies on: a config's `metadata:` map never replaces them. */
export const OWN_METADATA_KEYS: readonly string[] = ['mtime-ms', 'sha256'];

/** The object's user metadata: the configured map, then ours over it. */
export function mergeMetadata(
  configured: Record<string, string>,
  ours: Record<string, string>,
): Record<string, string> {
  return { ...configured, ...ours };
}

/** Tags as S3's x-amz-tagging query string, keys sorted so equal sets give equal strings. */
export function formatTagging(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(tags[key] ?? '')}`)
    .join('&');
}

/**
 * Classes whose bytes S3 copies only after a restore (InvalidObjectState): an object there keeps its settings until
 * someone restores it, since restores cost money and hours and are never asked for on the user's behalf.
 */
export const RESTORE_FIRST_CLASSES: readonly string[] = ['GLACIER', 'DEEP_ARCHIVE'];

/** True for classes whose objects are never read back to verify (restores cost money and hours). */
export function isArchiveClass(storageClass: string | undefined): boolean {
  return storageClass !== undefined && ARCHIVE_CLASSES.includes(storageClass);
}
