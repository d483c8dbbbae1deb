import type { Readable } from 'node:stream';
import type { CrcName } from '../content/crc.js';
import type { CannedAcl, EncryptionRequest } from './object-settings.js';

/** Where a new object goes and what it is stored with. */
export interface ObjectTarget {
  bucket: string;
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  encryption?: EncryptionRequest | undefined;
  /** Absent: the bucket's default class. */
  storageClass?: string | undefined;
  tags?: Record<string, string> | undefined;
  acl?: CannedAcl | undefined;
}

/**
 * A request body of exactly `lengthBytes` whose digests are already known: a stream (large parts, for progress
 * and pacing inside the request) or the bytes themselves (small files). The SHA-256, when given, is signed as
 * `x-amz-content-sha256`; without it the payload goes as UNSIGNED-PAYLOAD, which needs the MD5: Content-MD5 is a
 * signed header, so the server still refuses a body that is not the one signed for.
 */
export interface SignedBody {
  stream: Readable | Buffer;
  lengthBytes: number;
  sha256Hex?: string | undefined;
  /** Sent as Content-MD5: the server refuses (BadDigest) a body whose MD5 differs. */
  md5Hex?: string | undefined;
  /** Also send the SHA-256 as `x-amz-checksum-sha256`, for the server to verify and store (Amazon S3). */
  storeChecksum?: boolean | undefined;
  /** A CRC of the body for the server to verify and store, as `x-amz-checksum-crc32` and the like. */
  crc?: CrcChecksum | undefined;
  /** No digest goes with the body: the sender compares the MD5 ETag in the answer with the MD5 of what went out. */
  checkedByEtag?: boolean | undefined;
}

/** A CRC S3 verifies and stores, base64. */
export interface CrcChecksum {
  name: CrcName;
  value: string;
}

/** The object a copy in place reads: its ETag as last seen, and whether it is encrypted with our SSE-C key. */
export interface CopySource {
  etag: string;
  customerKeyEncrypted: boolean;
}
