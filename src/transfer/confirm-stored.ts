import { createHash } from 'node:crypto';
import { isEtagContentMd5, sameEtag } from '../content/etag.js';
import { combinePartEtags, isPlainMd5 } from '../content/multipart-etag.js';
import { ConfigError, RemoteError, SettingNotAppliedError, StoredMismatchError } from '../errors.js';
import { crcOf, type CrcName } from '../content/crc.js';
import type { EncryptionRequest } from '../remote/object-settings.js';
import { hexToBase64 } from '../remote/put-object-request.js';
import type { ObjectEncryption, RemoteObject, StoredReport } from '../remote/remote-object.js';
import type { CrcChecksum } from '../remote/write-request.js';
import { diffStorageClass } from '../verifier/settings-diff.js';
import type { IntegrityMode } from './integrity-mode.js';
import type { BodyDigests } from './signed-body.js';
import type { JournalPart } from './upload-journal.js';

/**
 * What showed that the server stored our bytes: its checksum equals ours, its ETag is our MD5, or (with an ETag
 * that is no MD5 and no checksum) each part's ETag was our MD5 of the part, or only the check the server made on the
 * wire: Content-MD5 or the signed SHA-256.
 */
export type StoredProof = 'checksum' | 'etag' | 'part-etags' | 'content-md5' | 'signature';

/**
 * Checks a PutObject or UploadPart answer against the body's local digests: the server's CRC (of `crcName`) or
 * SHA-256 checksum when it reports one, else its ETag when the encryption it reports makes the ETag an MD5.
 * @throws StoredMismatchError (retryable) when the server reports other bytes than ours; ConfigError (the run stops) when
 * the answer has no ETag, which every S3 server sends: a web server or console answers any request with 200.
 */
export function confirmStoredBody(
  what: string,
  stored: StoredReport,
  local: BodyDigests,
  crcName?: CrcName,
): StoredProof {
  if (!stored.etag) throw answeredWithoutEtag(what);
  const storedCrc = crcName && stored.crcChecksums?.[crcName];
  if (storedCrc && local.crc) {
    if (storedCrc !== local.crc)
      throw storedOtherBytes(what, stored.etag, `${crcName} ${storedCrc}, local ${local.crc}`);
    return 'checksum';
  }
  if (stored.checksumSha256 && local.sha256) {
    const ours = hexToBase64(local.sha256);
    if (stored.checksumSha256 !== ours)
      throw storedOtherBytes(what, stored.etag, `checksum ${stored.checksumSha256}, local SHA-256 ${ours}`);
    return 'checksum';
  }
  if (local.md5 && isEtagContentMd5(stored.encryption, stored.etag)) {
    if (!sameEtag(stored.etag, local.md5))
      throw storedOtherBytes(what, stored.etag, `ETag ${stored.etag}, local MD5 ${local.md5}`);
    return 'etag';
  }
  return local.md5 ? 'content-md5' : 'signature';
}

/**
 * True when the server's answer (or HeadObject's) carries a checksum of any algorithm: it keeps them. A server that
 * drops the headers answers none, whatever the upload sent.
 */
export function reportsChecksum(answer: StoredReport, head?: RemoteObject): boolean {
  const carries = (checksums: object | undefined) =>
    checksums !== undefined && Object.keys(checksums).length > 0;
  return Boolean(answer.checksumSha256) || carries(answer.crcChecksums) || carries(head?.checksums);
}

/**
 * {@link confirmStoredBody} for a part of a multipart upload: a part stored with other bytes is sent again before the
 * upload is completed, and is never an object a later run could find, so its ETag is none to distrust then.
 * @throws RemoteError (retryable) when the server reports other bytes than ours; ConfigError as confirmStoredBody.
 */
export function confirmStoredPart(...args: Parameters<typeof confirmStoredBody>): StoredProof {
  try {
    return confirmStoredBody(...args);
  } catch (error) {
    if (error instanceof StoredMismatchError) throw new RemoteError(error.message, error.retryable);
    throw error;
  }
}

/**
 * Refuses an object stored without the encryption the upload asked for: a server that ignores
 * `x-amz-server-side-encryption` (Ceph RGW without an SSE-S3 backend, fauxqs) or the SSE-C headers (OpenStack
 * Swift's s3api) keeps it in the clear and says nothing but the missing header in its answer. For `sse`, any
 * encryption the answer names counts: a bucket's policy may apply a stronger one. The next files would fare the
 * same, so the run stops.
 * @throws SettingNotAppliedError (exit 2) naming the object, which stays stored unencrypted.
 */
export function confirmEncryption(
  what: string,
  asked: { encryption?: EncryptionRequest | undefined; customerKey: boolean },
  stored: { encryption: ObjectEncryption; etag: string },
): void {
  const { encryption } = stored;
  if (asked.customerKey && encryption !== 'SSE-C')
    throw new SettingNotAppliedError(
      `upload ${what}: the server stored it without the SSE-C key, readable without it (its answer names ` +
        `${encryption === 'none' ? 'no encryption' : encryption}); remove sse_customer_key_file / ` +
        'sse_customer_key_in_keyring for this endpoint, or use one that applies SSE-C',
      stored.etag,
    );
  if (!asked.encryption || encryption !== 'none') return;
  throw new SettingNotAppliedError(
    `upload ${what}: the server stored it unencrypted, though sse ${asked.encryption.sse} was asked (its answer ` +
      'names no encryption); remove sse / --sse for this endpoint, or use one that applies it',
    stored.etag,
  );
}

/**
 * Refuses an object stored in another storage class than the one asked for, as HeadObject tells right after the
 * upload (no lifecycle rule moves an object that soon): a server that ignores `x-amz-storage-class` (fauxqs) keeps
 * every object in STANDARD. The next files would fare the same, so the run stops.
 * @throws SettingNotAppliedError (exit 2) naming the object, which stays stored in that class.
 */
export function confirmStorageClass(
  what: string,
  asked: string | undefined,
  stored: { storageClass?: string | undefined; etag: string },
): void {
  const difference = diffStorageClass(asked, stored.storageClass ?? 'STANDARD');
  if (!difference) return;
  throw new SettingNotAppliedError(
    `upload ${what}: the server did not keep the class asked for (${difference}); remove storage_class / ` +
      '--storage-class for this endpoint, or use one that applies it',
    stored.etag,
  );
}

/** What a completed multipart object must be: the file's size and what its parts imply. */
export interface ExpectedObject {
  sizeBytes: number;
  integrity: IntegrityMode;
  parts: readonly JournalPart[];
  /** The whole file's CRC, from its parts', when the upload stores a full-object CRC. */
  crc?: CrcChecksum | undefined;
  /** The whole file's MD5 (hex), when a hash of the file is at hand. */
  md5?: string | undefined;
}

/**
 * Checks a completed multipart object (CompleteMultipartUpload's answer, else HeadObject's) against what its
 * parts imply: the size; the composite SHA-256 checksum in checksum mode when the server reports one; else the
 * multipart ETag computed from the local part MD5s, where the reported encryption makes ETags MD5-based, or an ETag
 * without `-N` against the file's MD5. Else every part was checked on the wire. Returns the object's ETag and the
 * proof, and `why` the ETag proved nothing when it did not.
 * @throws StoredMismatchError (not retryable: the object is stored) when the object does not match.
 */
export function confirmStoredObject(
  what: string,
  expected: ExpectedObject,
  completed: StoredReport,
  head: RemoteObject | undefined,
): { etag: string; proof: StoredProof; encryption: ObjectEncryption; why?: string } {
  const etag = completed.etag || head?.etag || '';
  const encryption = head?.encryption ?? completed.encryption;
  const mismatch = (detail: string) =>
    new StoredMismatchError(
      `verify ${what}: the stored object does not match (${detail}); run again to resend`,
      etag,
      false,
    );
  // an object not shown yet (a store slow to list what it completed) is no other bytes: nothing to distrust later
  if (!head)
    throw new RemoteError(
      `verify ${what}: the completed object is not there yet; run again to check it`,
      false,
    );
  if (head.sizeBytes !== expected.sizeBytes)
    throw mismatch(`size ${head.sizeBytes} of ${expected.sizeBytes}`);
  const parts = [...expected.parts].sort((a, b) => a.partNumber - b.partNumber);
  if (expected.crc) {
    const crc = storedCrc(expected.crc.name, completed, head);
    const ours = crc && expectedCrc(expected.crc, crc, parts);
    if (crc && ours) {
      if (crc.value !== ours) throw mismatch(`${expected.crc.name} ${crc.value}, expected ${ours}`);
      return { etag, proof: 'checksum', encryption };
    }
  }
  const checksum = completed.checksumSha256 ?? head.checksums?.SHA256;
  if (expected.integrity === 'checksum' && checksum) {
    const ours = compositeSha256(parts.map((p) => p.sha256 ?? ''));
    if (checksum !== ours) throw mismatch(`checksum ${checksum}, expected ${ours}`);
    return { etag, proof: 'checksum', encryption };
  }
  if (isPlainMd5(etag)) {
    // not S3's ETag of parts: the MD5 of the object's bytes (s3rver), which `check` compares with the file's too;
    // without the file's MD5 at hand, the parts were checked as they were sent
    if (expected.md5 !== undefined) {
      if (!sameEtag(etag, expected.md5)) throw mismatch(`ETag ${etag}, the file's MD5 ${expected.md5}`);
      return { etag, proof: 'etag', encryption };
    }
    const proof = fallbackProof(expected.integrity, parts);
    return { etag, proof, encryption, why: "the server's ETag of the object is not S3's ETag of its parts" };
  }
  if (isEtagContentMd5(encryption, etag)) {
    const md5s = parts.map((p) => p.md5);
    // without local MD5s (checksum mode on a server that stored no checksum) the ETag can only be self-consistent
    const ours = combinePartEtags(md5s.every(Boolean) ? (md5s as string[]) : parts.map((p) => p.etag));
    if (ours !== undefined && !sameEtag(etag, ours)) throw mismatch(`ETag ${etag}, expected ${ours}`);
    if (ours !== undefined) return { etag, proof: 'etag', encryption };
  }
  return { etag, proof: fallbackProof(expected.integrity, parts), encryption };
}

/**
 * The proof of an object whose own ETag proves nothing: in md5 mode, every part's ETag equal to our MD5 of the part
 * (parts read once carried no Content-MD5), else the server's check of each part on the wire.
 */
function fallbackProof(integrity: IntegrityMode, parts: readonly JournalPart[]): StoredProof {
  if (integrity !== 'md5') return 'signature';
  return parts.length > 0 && parts.every((p) => sameEtag(p.etag, p.md5)) ? 'part-etags' : 'content-md5';
}

/** The CRC the server answered on completion, else the one HeadObject reports; `-N` or its type say composite. */
function storedCrc(
  name: CrcName,
  completed: StoredReport,
  head: RemoteObject,
): { value: string; composite: boolean } | undefined {
  const value = completed.crcChecksums?.[name] ?? head.checksums?.[name];
  if (!value) return undefined;
  const headSaysComposite = !completed.crcChecksums?.[name] && head.checksumType === 'COMPOSITE';
  return { value, composite: COUNT_SUFFIX.test(value) || headSaysComposite };
}

const COUNT_SUFFIX = /-\d+$/;

/**
 * The CRC the stored object should have: the file's full-object CRC, or where the server stored a composite one
 * (fauxqs does, whatever ChecksumType asked for) the CRC of the parts' CRCs; undefined when a part's CRC is not
 * known.
 */
function expectedCrc(
  full: CrcChecksum,
  stored: { value: string; composite: boolean },
  parts: readonly JournalPart[],
): string | undefined {
  if (!stored.composite) return full.value;
  const partCrcs = parts.map((p) => p.crc);
  if (!partCrcs.every((c) => c !== undefined)) return undefined;
  const composite = compositeCrc(full.name, partCrcs as string[]);
  return COUNT_SUFFIX.test(stored.value) ? composite : composite.replace(COUNT_SUFFIX, '');
}

/** S3's composite CRC of a multipart object: the CRC of the concatenated binary part CRCs, base64, then `-N`. */
export function compositeCrc(name: CrcName, partCrcBase64: readonly string[]): string {
  const joined = Buffer.concat(partCrcBase64.map((crc) => Buffer.from(crc, 'base64')));
  return `${crcOf(name, joined)}-${partCrcBase64.length}`;
}

/**
 * S3's composite checksum of a multipart object: the SHA-256 of the concatenated binary part SHA-256s, base64,
 * then `-N`. Parts are given in part-number order, as hex.
 */
export function compositeSha256(partSha256Hex: readonly string[]): string {
  const hash = createHash('sha256');
  for (const hex of partSha256Hex) hash.update(Buffer.from(hex, 'hex'));
  return `${hash.digest('base64')}-${partSha256Hex.length}`;
}

/**
 * The words the CSV log and --debug show when a proof is weaker than a compared digest: why the ETag was not
 * compared (`why`, else the encryption that makes it no MD5), and what stood in for it. Undefined when a checksum
 * or the ETag was compared.
 */
export function describeProof(
  proof: StoredProof,
  encryption: ObjectEncryption,
  scope: 'body' | 'parts',
  why?: string,
): string | undefined {
  if (proof === 'checksum' || proof === 'etag') return undefined;
  if (proof === 'part-etags')
    return `verified by every part's ETag, the MD5 of what was sent (${why ?? `${encryptionLabel(encryption)}: the object's ETag is not an MD5`})`;
  const check = proof === 'content-md5' ? 'Content-MD5 check' : 'check of the signed SHA-256';
  const of = scope === 'parts' ? ' of every part' : '';
  return `verified by the server's ${check}${of} (${why ?? `${encryptionLabel(encryption)}: ETag is not an MD5`})`;
}

function encryptionLabel(encryption: ObjectEncryption): string {
  const labels: Record<ObjectEncryption, string> = {
    'aws:kms': 'SSE-KMS',
    'aws:kms:dsse': 'DSSE-KMS',
    'SSE-C': 'SSE-C',
    AES256: 'SSE-S3',
    none: 'unencrypted',
  };
  return labels[encryption];
}

function answeredWithoutEtag(what: string): ConfigError {
  return new ConfigError(
    `upload ${what}: the server answered without an ETag, which every S3 server sends, so nothing shows that it ` +
      'stored the bytes; check endpoint_url / --endpoint (the S3 API address and port, not a web server or ' +
      'console) and any proxy on the way',
  );
}

function storedOtherBytes(what: string, etag: string, detail: string): StoredMismatchError {
  return new StoredMismatchError(
    `verify ${what}: the server stored different bytes (${detail}); run again to resend`,
    etag,
    true,
  );
}
