import type { ObjectEncryption } from '../remote/s3-store.js';

/**
 * True when an object's ETag is the MD5 of its bytes (or, with a `-N` suffix, of its part MD5s): S3 and the
 * S3-compatible servers compute it so for unencrypted and SSE-S3 objects, but not for SSE-KMS, dual-layer
 * SSE-KMS or SSE-C objects, whose ETags are opaque. Ceph RGW answers the MD5 even for SSE-KMS; AWS does not,
 * so the encryption the server reports decides, never the ETag's shape.
 */
export function isEtagContentMd5(encryption: ObjectEncryption | undefined): boolean {
  return encryption !== 'aws:kms' && encryption !== 'aws:kms:dsse' && encryption !== 'SSE-C';
}
