import type { CompletedPart, CompleteMultipartUploadCommandInput, StorageClass } from '@aws-sdk/client-s3';
import type { CrcName } from '../content/crc.js';
import {
  formatTagging,
  type CannedAcl,
  type EncryptionRequest,
  type RequestSettings,
} from './object-settings.js';
import { hexToBase64 } from './put-object-request.js';
import type { RemotePart } from './remote-object.js';
import type { CopySource, CrcChecksum, ObjectTarget, SignedBody } from './write-request.js';

/** CRCs in S3's field names, in a request or an answer: `ChecksumCRC32`, `ChecksumCRC32C`, `ChecksumCRC64NVME`. */
export type CrcRequestFields = { [K in CrcName as `Checksum${K}`]?: string | undefined };

/** The SSE-C headers of a request. */
interface CustomerKeyFields {
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
}

/** The bucket and key of an object request, with the bucket owner and the SSE-C key. */
export type ObjectInput = { Bucket: string; Key: string; ExpectedBucketOwner?: string } & CustomerKeyFields;

/** The fields of PutObject and CreateMultipartUpload that say how the object is stored. */
export interface ObjectFields {
  ContentType: string;
  Metadata: Record<string, string>;
  StorageClass?: StorageClass;
  Tagging?: string;
  ACL?: CannedAcl;
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  ExpectedBucketOwner?: string;
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
}

/** ExpectedBucketOwner for every request that takes it: S3 refuses (403) when another account owns the bucket. */
export function ownerFields(requests: RequestSettings | undefined): { ExpectedBucketOwner?: string } {
  const owner = requests?.expectedBucketOwner;
  return owner ? { ExpectedBucketOwner: owner } : {};
}

/** The SSE-C headers: an SSE-C object cannot be written, read or even headed without its key. */
function customerKeyFields(requests: RequestSettings | undefined): CustomerKeyFields {
  const key = requests?.customerKey;
  if (!key) return {};
  return {
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: key.keyBase64,
    SSECustomerKeyMD5: key.keyMd5Base64,
  };
}

/**
 * The bucket and key of a request that writes, reads or heads an object or its parts, with the bucket owner and
 * the SSE-C key.
 */
export function objectInput(bucket: string, key: string, requests: RequestSettings | undefined): ObjectInput {
  return { Bucket: bucket, Key: key, ...ownerFields(requests), ...customerKeyFields(requests) };
}

/** What a new object is stored with: type, metadata, class, tags, ACL and encryption, and the run's settings. */
export function objectFields(
  target: Omit<ObjectTarget, 'bucket'>,
  requests: RequestSettings | undefined,
): ObjectFields {
  return {
    ContentType: target.contentType,
    Metadata: target.metadata,
    ...(target.storageClass ? { StorageClass: target.storageClass as StorageClass } : {}),
    ...(target.tags && Object.keys(target.tags).length > 0 ? { Tagging: formatTagging(target.tags) } : {}),
    ...(target.acl ? { ACL: target.acl } : {}),
    ...encryptionFields(target.encryption),
    ...ownerFields(requests),
    ...customerKeyFields(requests),
  };
}

/** SSE headers for PutObject and CreateMultipartUpload (never for parts: the upload carries them). */
function encryptionFields(request: EncryptionRequest | undefined): {
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
} {
  if (!request) return {};
  return {
    ServerSideEncryption: request.sse,
    ...(request.sse === 'aws:kms' && request.kmsKeyId ? { SSEKMSKeyId: request.kmsKeyId } : {}),
    ...(request.sse === 'aws:kms' && request.bucketKey ? { BucketKeyEnabled: true } : {}),
  };
}

/** The digests a body is sent with: Content-MD5, the SHA-256 to store, a CRC to store. */
export function bodyDigestFields(
  body: SignedBody,
): { ContentMD5?: string; ChecksumSHA256?: string } & CrcRequestFields {
  return {
    ...(body.md5Hex ? { ContentMD5: hexToBase64(body.md5Hex) } : {}),
    ...(body.storeChecksum && body.sha256Hex ? { ChecksumSHA256: hexToBase64(body.sha256Hex) } : {}),
    ...(body.crc ? crcRequestFields({ [body.crc.name]: body.crc.value }) : {}),
  };
}

/** CRCs as request fields: `ChecksumCRC32`, `ChecksumCRC32C`, `ChecksumCRC64NVME`. */
function crcRequestFields(crcs: Partial<Record<CrcName, string>> | undefined): CrcRequestFields {
  const fields: CrcRequestFields = {};
  for (const [name, value] of Object.entries(crcs ?? {})) fields[`Checksum${name as CrcName}`] = value;
  return fields;
}

/**
 * The parts of a CompleteMultipartUpload in the order given, and with `checksums` each part's SHA-256 or CRC
 * and the whole object's CRC when the upload stores a full-object CRC.
 */
export function completionFields(
  parts: readonly RemotePart[],
  checksums: boolean,
  fullObject: CrcChecksum | undefined,
): Pick<CompleteMultipartUploadCommandInput, 'MultipartUpload' | 'ChecksumType'> & CrcRequestFields {
  return {
    MultipartUpload: { Parts: parts.map((p) => completedPart(p, checksums)) },
    ...(checksums && fullObject
      ? { ...crcRequestFields({ [fullObject.name]: fullObject.value }), ChecksumType: 'FULL_OBJECT' as const }
      : {}),
  };
}

function completedPart(part: RemotePart, checksums: boolean): CompletedPart {
  return {
    PartNumber: part.partNumber,
    ETag: `"${part.etag}"`,
    ...(checksums && part.checksumSha256 ? { ChecksumSHA256: part.checksumSha256 } : {}),
    ...(checksums ? crcRequestFields(part.crcChecksums) : {}),
  };
}

/**
 * The `x-amz-copy-source` of an object: `bucket/key`, or through an access point `ARN/object/key`, as S3 takes a
 * copy source named by an access point's ARN (its ':' escaped too, as S3's documentation writes it); each segment
 * escaped.
 */
export function copySourceOf({ bucket, key }: { bucket: string; key: string }): string {
  const escapedKey = key.split('/').map(encodeURIComponent).join('/');
  if (!bucket.startsWith('arn:')) return `${bucket}/${escapedKey}`;
  return `${bucket.split('/').map(encodeURIComponent).join('/')}/object/${escapedKey}`;
}

/**
 * The copy-source headers: the key, URL-encoded per segment; If-Match on the ETag seen; the source's owner; and
 * the SSE-C key again for a source encrypted with it (S3 needs it to read the bytes it copies).
 */
export function copySourceFields(
  target: { bucket: string; key: string },
  source: CopySource,
  requests: RequestSettings | undefined,
): {
  CopySource: string;
  CopySourceIfMatch: string;
  ExpectedSourceBucketOwner?: string;
  CopySourceSSECustomerAlgorithm?: string;
  CopySourceSSECustomerKey?: string;
  CopySourceSSECustomerKeyMD5?: string;
} {
  const key = requests?.customerKey;
  const owner = requests?.expectedBucketOwner;
  return {
    CopySource: copySourceOf(target),
    CopySourceIfMatch: `"${source.etag}"`,
    ...(owner ? { ExpectedSourceBucketOwner: owner } : {}),
    ...(key && source.customerKeyEncrypted
      ? {
          CopySourceSSECustomerAlgorithm: 'AES256',
          CopySourceSSECustomerKey: key.keyBase64,
          CopySourceSSECustomerKeyMD5: key.keyMd5Base64,
        }
      : {}),
  };
}
