import { formatTagging, type EncryptionRequest, type RequestSettings } from './object-settings.js';

/** What a PutObject request carries besides its bytes, in the header names S3 defines. */
export interface PutObjectFields {
  contentType: string;
  metadata: Record<string, string>;
  encryption?: EncryptionRequest | undefined;
  storageClass?: string | undefined;
  tags?: Record<string, string> | undefined;
  acl?: string | undefined;
}

/** The digests a body carries (see `SignedBody` in write-request.ts). */
export interface PutObjectDigests {
  lengthBytes: number;
  sha256Hex?: string | undefined;
  md5Hex?: string | undefined;
  storeChecksum?: boolean | undefined;
  crc?: { name: string; value: string } | undefined;
  /** No digest goes with the body: the sender compares the MD5 ETag in the answer with the MD5 of what went out. */
  checkedByEtag?: boolean | undefined;
}

/**
 * The request path of an object under a bucket's base URL path (`/bucket` path-style, `/` virtual-hosted):
 * each key segment escaped the way the SDK escapes a greedy label, so the signature covers the same path.
 */
export function objectPath(basePath: string, key: string): string {
  const base = basePath.endsWith('/') ? basePath.slice(0, -1) : basePath;
  return `${base}/${key.split('/').map(escapeSegment).join('/')}`;
}

function escapeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The headers of a PutObject, as the SDK sends them for the same input: type, length, payload hash (our SHA-256,
 * or UNSIGNED-PAYLOAD with a Content-MD5), the stored checksum, and the object's settings. All of them are signed.
 * @throws Error for a body with neither digest: nothing would tie it to the signature.
 */
export function putObjectHeaders(
  fields: PutObjectFields,
  body: PutObjectDigests,
  requests: RequestSettings | undefined,
): Record<string, string> {
  return {
    'content-type': fields.contentType,
    'content-length': String(body.lengthBytes),
    'x-amz-content-sha256': payloadHash(body),
    ...digestHeaders(body),
    ...settingHeaders(fields),
    ...requestHeaders(requests),
    ...metadataHeaders(fields.metadata),
  };
}

/**
 * The payload hash to sign: our SHA-256, or UNSIGNED-PAYLOAD for a body that carries its MD5 instead (hashing
 * every byte twice would cost more CPU than the link is worth; Content-MD5 is signed, so the body stays bound) or
 * whose sender checks the MD5 ETag of the answer.
 * @throws Error for a body with neither digest nor that check: nothing would tie it to what was stored.
 */
export function payloadHash(body: PutObjectDigests): string {
  if (body.sha256Hex) return body.sha256Hex;
  if (body.md5Hex || body.checkedByEtag) return 'UNSIGNED-PAYLOAD';
  throw new Error('a request body needs its SHA-256 or its MD5');
}

function digestHeaders(body: PutObjectDigests): Record<string, string> {
  return {
    ...(body.md5Hex ? { 'content-md5': hexToBase64(body.md5Hex) } : {}),
    ...(body.storeChecksum && body.sha256Hex ? { 'x-amz-checksum-sha256': hexToBase64(body.sha256Hex) } : {}),
    ...(body.crc ? { [`x-amz-checksum-${body.crc.name.toLowerCase()}`]: body.crc.value } : {}),
  };
}

function settingHeaders(fields: PutObjectFields): Record<string, string> {
  const encryption = fields.encryption;
  const tagging = fields.tags && Object.keys(fields.tags).length > 0 ? formatTagging(fields.tags) : '';
  return {
    ...(fields.storageClass ? { 'x-amz-storage-class': fields.storageClass } : {}),
    ...(tagging ? { 'x-amz-tagging': tagging } : {}),
    ...(fields.acl ? { 'x-amz-acl': fields.acl } : {}),
    ...(encryption ? { 'x-amz-server-side-encryption': encryption.sse } : {}),
    ...(encryption?.sse === 'aws:kms' && encryption.kmsKeyId
      ? { 'x-amz-server-side-encryption-aws-kms-key-id': encryption.kmsKeyId }
      : {}),
    ...(encryption?.sse === 'aws:kms' && encryption.bucketKey
      ? { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }
      : {}),
  };
}

/** The expected bucket owner and the SSE-C key: the run's settings that every object request carries. */
function requestHeaders(requests: RequestSettings | undefined): Record<string, string> {
  const key = requests?.customerKey;
  return {
    ...(requests?.expectedBucketOwner ? { 'x-amz-expected-bucket-owner': requests.expectedBucketOwner } : {}),
    ...(key
      ? {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': key.keyBase64,
          'x-amz-server-side-encryption-customer-key-md5': key.keyMd5Base64,
        }
      : {}),
  };
}

function metadataHeaders(metadata: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  return headers;
}

/** A hex digest as base64, the way S3 writes checksums and Content-MD5. */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
