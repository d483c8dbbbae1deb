import type { CrcName } from '../content/crc.js';
import type { ChangeStamp } from '../content/file-identity.js';
import type { HashCache } from '../content/hash-cache.js';
import type { ObjectSettings } from '../remote/object-settings.js';
import type { S3Store } from '../remote/s3-store.js';
import type { ObjectTarget } from '../remote/write-request.js';
import { contentTypeFor } from '../remote/content-type.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import type { BufferPool } from './buffer-pool.js';
import type { IntegrityMode } from './integrity-mode.js';
import type { PartSizeCap } from './part-size-cap.js';
import type { TransferScheduler } from './scheduler.js';
import type { LinkWatch } from './link-watch.js';
import type { WholeObjectTags } from './object-tags.js';
import type { AclNotApplied } from './acl-probe.js';
import type { SettingVerdicts } from './setting-verdicts.js';
import type { StopTriage } from './stop-triage.js';
import type { JournalStore } from './upload-journal.js';
import type { WholeFileReader } from './whole-file-reader.js';
import type { RetryNotice } from '../status/status-tracker.js';

/** Everything a file upload shares with the rest of the run. */
export interface TransferContext {
  store: S3Store;
  bucket: string;
  scheduler: TransferScheduler;
  buffers: BufferPool;
  /** Reads the files sent in one request. */
  wholeFiles: WholeFileReader;
  journals: JournalStore;
  hashCache: HashCache;
  limiter: BandwidthLimiter;
  /** Aborted on the first Ctrl+C: no new part starts. */
  signal: AbortSignal;
  /** Aborted when in-flight requests must stop too (second Ctrl+C, grace period over). */
  hardSignal: AbortSignal;
  /** The requests in flight, of which a stop lets finish those the link can carry within the grace period. */
  flights?: StopTriage | undefined;
  maxWorkersPerFile: number;
  /** The largest part the server has not refused as too big, shared by the run's uploads. */
  partSizeCap: PartSizeCap;
  /** The largest part of a new upload on a paced link (see `pacedPartBytes`); none unpaced. */
  pacedPartBytes?: number | undefined;
  /** The class the first object sent whole in each storage class was stored in (see `probeStorageClass`). */
  storageClassVerdicts?: SettingVerdicts<{ storageClass?: string | undefined } | undefined> | undefined;
  /** Whether the first object stored with each canned ACL got it (see `probeCannedAcl`). */
  aclVerdicts?: SettingVerdicts<AclNotApplied | undefined> | undefined;
  /** Whether objects sent whole keep the tags sent with them, once one was read back (none: never checked). */
  wholeObjectTags?: WholeObjectTags | undefined;
  verifyLarge: boolean;
  /** How new uploads prove what the server stored (chosen by `chooseIntegrityMode`). */
  integrity: IntegrityMode;
  /** In checksum mode, the full-object CRC new uploads ask S3 to store instead of SHA-256 checksums. */
  crc?: CrcName | undefined;
  /** Storage class, encryption, tags, metadata and ACL for a file of a folder type; the bucket's defaults without it. */
  settingsFor?: ((folderType: string | undefined) => ObjectSettings) | undefined;
  /** The SSE-C key's MD5 (base64) when objects are encrypted with a customer key. */
  customerKeyMd5?: string | undefined;
  debug: (message: string) => void;
  warn: (message: string) => void;
  /** Told when a server answered an upload in checksum mode without the checksum (once is enough to say so). */
  onChecksumNotKept?: (() => void) | undefined;
  /** Told when the server keeps no object tags, neither sent with an object nor set after it (once is enough). */
  onTagsNotKept?: (() => void) | undefined;
  /** Whether the endpoint still answers at all: a run whose every request fails for minutes stops. */
  link?: LinkWatch | undefined;
  /** Told of each failed request of the file being sent that is sent again (the views show it). */
  onRetry?: ((retry: RetryNotice) => void) | undefined;
}

/** A file to send: where it is, its planned identity and its key. */
export interface FileToSend extends Partial<ChangeStamp> {
  path: string;
  key: string;
  sizeBytes: number;
  mtimeMs: number;
  /** The folder type, which may choose the storage class. */
  group?: string | undefined;
}

/** What a finished upload proved. */
export interface SentFile {
  etag: string;
  sha256?: string;
  partsResumed: number;
  partsSent: number;
  /** Why it was sent this way: 'single request', 'multipart, 12 parts', 'resumed: 5 of 12 parts were already stored'. */
  detail: string;
}

/** User metadata stored with every object: the mtime (and the SHA-256 when known) the verifier compares later. */
export function objectMetadata(file: FileToSend, sha256: string | undefined): Record<string, string> {
  return { 'mtime-ms': String(file.mtimeMs), ...(sha256 ? { sha256 } : {}) };
}

/** Where a file goes and what it is stored with: the configured settings, and our metadata over theirs. */
export function objectTarget(
  file: FileToSend,
  sha256: string | undefined,
  ctx: TransferContext,
): ObjectTarget {
  const settings = ctx.settingsFor?.(file.group);
  return {
    bucket: ctx.bucket,
    key: file.key,
    contentType: contentTypeFor(file.key),
    metadata: { ...settings?.metadata, ...objectMetadata(file, sha256) },
    encryption: settings?.encryption,
    storageClass: settings?.storageClass,
    tags: settings?.tags,
    acl: settings?.acl,
  };
}

/** The largest part a new upload takes: what the server takes, and on a paced link what a stop can keep. */
export function maxPartBytes(ctx: Pick<TransferContext, 'partSizeCap' | 'pacedPartBytes'>): number {
  return Math.min(ctx.partSizeCap.bytes, ctx.pacedPartBytes ?? Infinity);
}
