import type { CrcName } from '../content/crc.js';

/** An object as the store reports it, in our own field names. */
export interface RemoteObject {
  key: string;
  sizeBytes: number;
  etag: string;
  lastModifiedMs: number;
  /** User metadata (x-amz-meta-*); only HeadObject reports it. */
  metadata?: Record<string, string>;
  /** The Content-Type it is served with; only HeadObject reports it. */
  contentType?: string;
  /** How the server says the object is encrypted; only HeadObject reports it. */
  encryption?: ObjectEncryption;
  /** Checksums the server computed and stored, base64 by algorithm (SHA256, CRC32, CRC32C, CRC64NVME, SHA1). */
  checksums?: Partial<Record<ChecksumName, string>>;
  /** Whether `checksums` cover the whole object or are a checksum of part checksums (`-N` suffix). */
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  /** The storage class HeadObject names; absent means STANDARD. */
  storageClass?: string;
  /** The KMS key of an SSE-KMS object, as the server names it (an ARN on Amazon S3). */
  kmsKeyId?: string;
  /** How many tags the object has; only HeadObject reports it. */
  tagCount?: number;
}

/** Server-side encryption as reported in a response: SSE-S3, SSE-KMS, dual-layer SSE-KMS, SSE-C, or none. */
export type ObjectEncryption = 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'SSE-C' | 'none';

/** Checksum algorithms S3 stores with an object. */
export type ChecksumName = 'SHA256' | 'SHA1' | 'CRC32' | 'CRC32C' | 'CRC64NVME';

/** What HeadObject with PartNumber says about an object. */
export interface ObjectPartHead {
  /** The part's size; the whole object's when the server ignores PartNumber. */
  sizeBytes: number;
  /** How many parts the object was uploaded in; absent for a single-part object or a server that ignores PartNumber. */
  partCount?: number;
  /** Absent for STANDARD. */
  storageClass?: string;
}

/** A finished part of a multipart upload. */
export interface RemotePart {
  partNumber: number;
  etag: string;
  sizeBytes: number;
  /** The part's SHA-256 as the server stored it (base64), when the upload was started with checksums. */
  checksumSha256?: string;
  /** The part's CRC (base64): as the server lists it, or, sent to complete an upload, ours. */
  crcChecksums?: Partial<Record<CrcName, string>>;
}

/** What ListParts tells of an upload, see {@link MultipartUploads.listParts}. */
export type PartListing = RemotePart[] | 'gone' | 'unlisted';

/** An open upload of a key, as ListMultipartUploads names it (Initiated on the server's clock). */
export interface OpenUpload {
  key: string;
  uploadId: string;
  initiatedMs: number;
}

/** What the server reports it stored for a body, an upload or an object, in our own field names. */
export interface StoredReport {
  etag: string;
  /** The encryption the response names: it decides whether `etag` may be compared with an MD5. */
  encryption: ObjectEncryption;
  /** The SHA-256 checksum the server computed (base64; `-N` suffixed for a composite of N parts). */
  checksumSha256?: string;
  /** The CRCs the server computed and stored (base64). */
  crcChecksums?: Partial<Record<CrcName, string>>;
}

/** One grant of an object's ACL: a group's URI (`http://acs.amazonaws.com/groups/global/AllUsers`) or an id. */
export interface ObjectGrant {
  grantee: string;
  permission: string;
}
