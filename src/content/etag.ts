import type { ObjectEncryption } from '../remote/remote-object.js';

/**
 * True when an object's ETag is the MD5 of its bytes (or, with a `-N` suffix, of its part MD5s): S3 and the
 * S3-compatible servers compute it so for unencrypted and SSE-S3 objects, but not for SSE-KMS, dual-layer
 * SSE-KMS or SSE-C objects, whose ETags are opaque. Ceph RGW answers the MD5 even for SSE-KMS; AWS does not,
 * so the encryption the server reports decides. The ETag's shape, when given, can only rule an MD5 out: one
 * that is not 32 hex digits (and `-N`) is none, as the part ETags Cloudflare R2 answered in 2022 were not.
 */
export function isEtagContentMd5(encryption: ObjectEncryption | undefined, etag?: string): boolean {
  if (encryption === 'aws:kms' || encryption === 'aws:kms:dsse' || encryption === 'SSE-C') return false;
  return etag === undefined || MD5_SHAPED.test(etag);
}

const MD5_SHAPED = /^[0-9a-f]{32}(-\d+)?$/i;

/**
 * True when two ETags are the same: one shaped as an MD5 (or as S3's `-N` ETag of parts) is hex, which a server may
 * write in capitals (Alibaba OSS does), so two such compare whatever their case; any other ETag as it is.
 */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a === b || (MD5_SHAPED.test(a) && MD5_SHAPED.test(b) && a.toLowerCase() === b.toLowerCase());
}
