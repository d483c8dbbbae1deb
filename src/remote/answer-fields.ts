import type { _Object, HeadObjectCommandOutput, Part, Tag } from '@aws-sdk/client-s3';
import { CRC_NAMES, type CrcName } from '../content/crc.js';
import { CUSTOMER_KEY_REFUSED, errorCode, httpStatusOf, isNotImplemented } from './classify-error.js';
import type { RequestSettings } from './object-settings.js';
import type {
  ChecksumName,
  ObjectEncryption,
  ObjectPartHead,
  RemoteObject,
  RemotePart,
  StoredReport,
} from './remote-object.js';
import type { CrcRequestFields } from './request-fields.js';

/** The object HeadObject describes, with user metadata, encryption, stored checksums, class and tag count. */
export function remoteObjectOf(key: string, out: HeadObjectCommandOutput): RemoteObject {
  return {
    key,
    sizeBytes: out.ContentLength ?? 0,
    etag: stripQuotes(out.ETag),
    lastModifiedMs: out.LastModified?.getTime() ?? 0,
    metadata: out.Metadata ?? {},
    ...(out.ContentType ? { contentType: out.ContentType } : {}),
    encryption: encryptionOf(out),
    ...storedChecksums(out),
    ...(out.StorageClass ? { storageClass: out.StorageClass } : {}),
    ...(out.SSEKMSKeyId ? { kmsKeyId: out.SSEKMSKeyId } : {}),
    tagCount: out.TagCount ?? 0,
  };
}

/** An object as a listing names it: size, ETag and date only. */
export function listedObject(key: string, item: _Object): RemoteObject {
  return {
    key,
    sizeBytes: item.Size ?? 0,
    etag: stripQuotes(item.ETag),
    lastModifiedMs: item.LastModified?.getTime() ?? 0,
  };
}

/** What HeadObject with PartNumber tells: the part's size, the object's parts count and its storage class. */
export function partHeadOf(out: HeadObjectCommandOutput): ObjectPartHead {
  return {
    sizeBytes: out.ContentLength ?? 0,
    ...(out.PartsCount !== undefined ? { partCount: out.PartsCount } : {}),
    ...(out.StorageClass ? { storageClass: out.StorageClass } : {}),
  };
}

/** A part as ListParts names it, with the checksums the server stored for it. */
export function listedPart(p: Part): RemotePart {
  return {
    partNumber: p.PartNumber ?? 0,
    etag: stripQuotes(p.ETag),
    sizeBytes: p.Size ?? 0,
    ...(p.ChecksumSHA256 ? { checksumSha256: p.ChecksumSHA256 } : {}),
    ...crcFields(p),
  };
}

/** An object's tags by key. */
export function tagsOf(tagSet: Tag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  // Ceph RGW answers an object that never had tags with an empty body (no TagSet)
  for (const tag of tagSet ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

/** What the answer to PutObject, UploadPart or CompleteMultipartUpload says was stored. */
export function storedReport(
  out: {
    ETag?: string | undefined;
    ServerSideEncryption?: string | undefined;
    SSECustomerAlgorithm?: string | undefined;
    ChecksumSHA256?: string | undefined;
  } & CrcRequestFields,
): StoredReport {
  return {
    etag: stripQuotes(out.ETag),
    encryption: encryptionOf(out),
    ...(out.ChecksumSHA256 ? { checksumSha256: out.ChecksumSHA256 } : {}),
    ...crcFields(out),
  };
}

/** The encryption a response names: SSE-C shows as a customer algorithm, the others as ServerSideEncryption. */
export function encryptionOf(out: {
  ServerSideEncryption?: string | undefined;
  SSECustomerAlgorithm?: string | undefined;
}): ObjectEncryption {
  if (out.SSECustomerAlgorithm) return 'SSE-C';
  const sse = out.ServerSideEncryption;
  return sse === 'AES256' || sse === 'aws:kms' || sse === 'aws:kms:dsse' ? sse : 'none';
}

/** The CRCs a response names, by algorithm. */
function crcFields(out: CrcRequestFields): { crcChecksums?: Partial<Record<CrcName, string>> } {
  const crcs: Partial<Record<CrcName, string>> = {};
  for (const name of CRC_NAMES) {
    const value = out[`Checksum${name}`];
    if (value) crcs[name] = value;
  }
  return Object.keys(crcs).length > 0 ? { crcChecksums: crcs } : {};
}

type ChecksumFields = { [K in ChecksumName as `Checksum${K}`]?: string | undefined } & {
  ChecksumType?: string | undefined;
};

function storedChecksums(out: ChecksumFields): Pick<RemoteObject, 'checksums' | 'checksumType'> {
  const names: ChecksumName[] = ['SHA256', 'SHA1', 'CRC32', 'CRC32C', 'CRC64NVME'];
  const checksums: Partial<Record<ChecksumName, string>> = {};
  for (const name of names) {
    const value = out[`Checksum${name}`];
    if (value) checksums[name] = value;
  }
  if (Object.keys(checksums).length === 0) return {};
  const type =
    out.ChecksumType === 'FULL_OBJECT' || out.ChecksumType === 'COMPOSITE' ? out.ChecksumType : undefined;
  return { checksums, ...(type ? { checksumType: type } : {}) };
}

/** An ETag without the quotes S3 writes around it. */
export function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** True when the answer says there is no such object: a HEAD's bare 404 (NotFound) or NoSuchKey. */
export function isMissingObject(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NotFound' || code === 'NoSuchKey';
}

/**
 * True when a request is refused rather than answered, as by a server that does not implement it: 405 (Swift's
 * s3api to a HEAD by part number) or 501.
 */
export function refusesRequest(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === 405 || isNotImplemented(error);
}

/**
 * A read with an SSE-C key that the server refused with 400, named {@link CUSTOMER_KEY_REFUSED} so the message
 * says which setting to fix: S3 answers so when the key is not the object's, or the object has none. Any other
 * error is returned as it is.
 */
export function namedKeyRefusal(error: unknown, requests: RequestSettings | undefined): unknown {
  if (!requests?.customerKey || httpStatusOf(error) !== 400) return error;
  return Object.assign(new Error('the server refused the SSE-C key', { cause: error }), {
    name: CUSTOMER_KEY_REFUSED,
    $metadata: { httpStatusCode: 400 },
  });
}
