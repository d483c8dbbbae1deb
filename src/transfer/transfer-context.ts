import type { ChangeStamp } from '../content/file-identity.js';
import type { HashCache } from '../content/hash-cache.js';
import type { EncryptionRequest, S3Store } from '../remote/s3-store.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import type { BufferPool } from './buffer-pool.js';
import type { IntegrityMode } from './integrity-mode.js';
import type { TransferScheduler } from './scheduler.js';
import type { JournalStore } from './upload-journal.js';

/** Everything a file upload shares with the rest of the run. */
export interface TransferContext {
  store: S3Store;
  bucket: string;
  scheduler: TransferScheduler;
  buffers: BufferPool;
  journals: JournalStore;
  hashCache: HashCache;
  limiter: BandwidthLimiter;
  /** Aborted on the first Ctrl+C: no new part starts. */
  signal: AbortSignal;
  /** Aborted when in-flight requests must stop too (second Ctrl+C, grace period over). */
  hardSignal: AbortSignal;
  maxWorkersPerFile: number;
  verifyLarge: boolean;
  /** How new uploads prove what the server stored (chosen by `chooseIntegrityMode`). */
  integrity: IntegrityMode;
  /** Server-side encryption new objects ask for; the bucket's default applies without it. */
  encryption?: EncryptionRequest | undefined;
  debug: (message: string) => void;
}

/** A file to send: where it is, its planned identity and its key. */
export interface FileToSend extends Partial<ChangeStamp> {
  path: string;
  key: string;
  sizeBytes: number;
  mtimeMs: number;
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
