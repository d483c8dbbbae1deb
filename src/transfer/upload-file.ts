import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { RemoteError, SourceError } from '../errors.js';
import { toUploadError } from '../remote/classify-error.js';
import { contentTypeFor } from '../remote/content-type.js';
import type { RemotePart, S3Store, SignedBody } from '../remote/s3-store.js';
import type { HashCache } from '../content/hash-cache.js';
import { hashFile } from '../content/file-hash.js';
import { combinePartEtags, isPlainMd5 } from '../content/multipart-etag.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import type { BufferPool } from './buffer-pool.js';
import { FileSource } from './file-source.js';
import { withRetry } from './retry.js';
import type { TransferScheduler } from './scheduler.js';
import {
  hashRange,
  SLICE_BYTES,
  STREAMED_BODY_BYTES,
  streamedBody,
  type BodyDigests,
  type ByteRange,
} from './signed-body.js';
import { getTransferConfig } from './transfer-config.js';
import { partRange } from '../content/part-layout.js';
import type { JournalStore, UploadJournal } from './upload-journal.js';

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
  debug: (message: string) => void;
}

/** A file to send: where it is, its planned identity and its key. */
export interface FileToSend {
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

/**
 * Uploads one file: one PutObject below the multipart threshold, else a resumable multipart
 * upload. Either way the server checks each body against its signed SHA-256, and the result
 * is verified (ETag and size) before it counts as uploaded.
 * @throws SourceError, RemoteError, AuthError/ConfigError (run-fatal), InterruptedError.
 */
export async function uploadFile(
  file: FileToSend,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
): Promise<SentFile> {
  const plan = getTransferConfig(file.sizeBytes, ctx.maxWorkersPerFile);
  const source = await FileSource.open(file.path, file);
  try {
    return plan.multipart
      ? await uploadMultipart(file, source, ctx, onBytes)
      : await uploadSingle(file, source, ctx, onBytes);
  } finally {
    await source.close();
  }
}

async function uploadSingle(
  file: FileToSend,
  source: FileSource,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
): Promise<SentFile> {
  const range = { start: 0, length: file.sizeBytes };
  return ctx.scheduler.run(bodyMemoryBytes(file.sizeBytes), async () => {
    const { digests, send } = await prepareBody(source, range, ctx, onBytes, { md5: true });
    const { sha256, md5 } = digests;
    ctx.hashCache.set(file.path, file, { sha256, md5: md5! });
    const target = {
      bucket: ctx.bucket,
      key: file.key,
      contentType: contentTypeFor(file.key),
      metadata: objectMetadata(file, sha256),
    };
    const etag = await sendWithRetry(`upload ${file.key}`, ctx, (attempt) =>
      send(attempt, (body) => ctx.store.putObject(target, body, ctx.hardSignal)),
    );
    if (isPlainMd5(etag) && etag !== md5) {
      throw new RemoteError(
        `verify ${file.key}: the server stored different bytes (ETag ${etag}, local MD5 ${md5}); run again to resend`,
        true,
      );
    }
    return { etag, sha256, partsResumed: 0, partsSent: 1, detail: 'single request' };
  });
}

/** Memory a body of `lengthBytes` holds while it is hashed and sent: itself if small, else a streaming window. */
function bodyMemoryBytes(lengthBytes: number): number {
  return Math.min(lengthBytes, STREAMED_BODY_BYTES);
}

/**
 * Hashes a range and returns how to make its body for each attempt. A range of one slice or less is read once
 * and sent from memory (streaming it would only add per-request overhead); a bigger one is hashed in a first
 * read and streamed from the file in a second, so memory never holds a whole part.
 */
async function prepareBody(
  source: FileSource,
  range: ByteRange,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
  options: { md5: boolean },
): Promise<{ digests: BodyDigests; send: BodySender }> {
  if (range.length <= SLICE_BYTES) {
    const buffer = await source.read(range.start, range.length);
    const sha256 = createHash('sha256').update(buffer).digest('hex');
    const md5 = options.md5 ? createHash('md5').update(buffer).digest('hex') : undefined;
    const send: BodySender = async (attempt, request) => {
      logResend(ctx, range, attempt);
      await ctx.limiter.take(buffer.length, ctx.hardSignal);
      const etag = await request({ stream: buffer, lengthBytes: buffer.length, sha256Hex: sha256 });
      onBytes(buffer.length);
      return etag;
    };
    return { digests: { sha256, ...(md5 ? { md5 } : {}) }, send };
  }
  const scratch = ctx.buffers.acquire(SLICE_BYTES);
  let digests: BodyDigests;
  try {
    digests = await hashRange(source, range, scratch, options);
  } finally {
    ctx.buffers.release(scratch);
  }
  const pacing = { limiter: ctx.limiter, onBytes, signal: ctx.hardSignal };
  const send: BodySender = (attempt, request) => {
    logResend(ctx, range, attempt);
    return request(streamedBody(source, range, digests.sha256, pacing, ctx.buffers));
  };
  return { digests, send };
}

/** Makes a fresh body for one attempt and sends it with `request`; returns the ETag. */
type BodySender = (attempt: number, request: (body: SignedBody) => Promise<string>) => Promise<string>;

function logResend(ctx: TransferContext, range: ByteRange, attempt: number): void {
  if (attempt > 1) ctx.debug(`resending ${range.length} bytes (attempt ${attempt})`);
}

function objectMetadata(file: FileToSend, sha256: string | undefined): Record<string, string> {
  return { 'mtime-ms': String(file.mtimeMs), ...(sha256 ? { sha256 } : {}) };
}

async function sendWithRetry<T>(
  what: string,
  ctx: TransferContext,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  try {
    return await withRetry(attempt, {
      signal: ctx.hardSignal,
      onRetry: (error, n, delayMs) =>
        ctx.debug(`${what}: attempt ${n} failed (${describeError(error)}); retrying in ${delayMs} ms`),
    });
  } catch (error) {
    throw toUploadError(error, what.split(' ')[0] ?? 'upload', what.split(' ').slice(1).join(' '));
  }
}

function describeError(error: unknown): string {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return [e.code ?? e.name, e.$metadata?.httpStatusCode].filter(Boolean).join(' ') || String(e.message);
}

async function uploadMultipart(
  file: FileToSend,
  source: FileSource,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
): Promise<SentFile> {
  const { journal, resumed } = await openJournal(file, ctx);
  const done = new Map(journal.parts.map((p) => [p.partNumber, p]));
  const partCount = Math.ceil(file.sizeBytes / journal.partSizeBytes);
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  onBytes(
    file.sizeBytes -
      missing.reduce((sum, n) => sum + partRange(n, journal.partSizeBytes, file.sizeBytes).length, 0),
  );
  const perFile = pLimit(getTransferConfig(file.sizeBytes, ctx.maxWorkersPerFile).workers);
  let changed: SourceError | undefined;
  const sendUnlessChanged = async (n: number) => {
    if (changed) throw changed; // parts of a file that is no longer the planned one are not worth sending
    await sendPart(n, journal, source, ctx, onBytes).catch((error: unknown) => {
      if (error instanceof SourceError) changed ??= error;
      throw error;
    });
  };
  // Wait for every part, even after one fails: the file stays open until no part reads from it.
  const settled = await Promise.allSettled(missing.map((n) => perFile(() => sendUnlessChanged(n))));
  if (changed) {
    // No later run would resume it (the journal no longer matches the file), so nothing else would abort it.
    await abandonUpload(journal, ctx);
    throw changed;
  }
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return finishMultipart(file, source, journal, ctx, {
    partsResumed: partCount - missing.length,
    partsSent: missing.length,
    detail: resumed
      ? `resumed: ${partCount - missing.length} of ${partCount} parts were already stored`
      : `multipart, ${partCount} parts`,
  });
}

async function sendPart(
  partNumber: number,
  journal: UploadJournal,
  source: FileSource,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
): Promise<void> {
  const range = partRange(partNumber, journal.partSizeBytes, journal.sizeBytes);
  await ctx.scheduler.run(bodyMemoryBytes(range.length), async () => {
    const { send } = await prepareBody(source, range, ctx, onBytes, { md5: false });
    const target = { bucket: journal.bucket, key: journal.key, uploadId: journal.uploadId, partNumber };
    const etag = await sendWithRetry(`upload ${journal.key} part ${partNumber}`, ctx, (attempt) =>
      send(attempt, (body) => ctx.store.uploadPart(target, body, ctx.hardSignal)),
    );
    journal.parts.push({ partNumber, etag, sizeBytes: range.length });
    await ctx.journals.save(journal);
  });
}

/**
 * Finds the journal of an interrupted upload of this file and confirms it with ListParts, or
 * starts a new upload. A journal for a changed file, or whose upload is gone, is discarded.
 */
async function openJournal(
  file: FileToSend,
  ctx: TransferContext,
): Promise<{ journal: UploadJournal; resumed: boolean }> {
  const existing = await ctx.journals.load(ctx.bucket, file.key);
  if (
    existing &&
    (existing.sizeBytes !== file.sizeBytes ||
      existing.mtimeMs !== file.mtimeMs ||
      existing.path !== file.path)
  ) {
    ctx.debug(
      `${file.key}: the file changed since the interrupted upload ${existing.uploadId}; aborting it and starting again`,
    );
    await ctx.store
      .abortMultipartUpload(ctx.bucket, file.key, existing.uploadId, ctx.hardSignal)
      .catch(() => {});
  } else if (existing) {
    const parts = await ctx.store
      .listParts(ctx.bucket, file.key, existing.uploadId, ctx.hardSignal)
      .catch((error: unknown) => {
        throw toUploadError(error, 'list parts of', file.key);
      });
    if (parts) return { journal: { ...existing, parts: confirmedParts(existing, parts) }, resumed: true };
    ctx.debug(`${file.key}: upload ${existing.uploadId} no longer exists on the server; starting again`);
  }
  return { journal: await startUpload(file, ctx), resumed: false };
}

/** Parts the server holds with the size their range needs; ListParts is the truth, the journal may lag one part. */
function confirmedParts(journal: UploadJournal, serverParts: RemotePart[]): RemotePart[] {
  return serverParts.filter(
    (p) => p.sizeBytes === partRange(p.partNumber, journal.partSizeBytes, journal.sizeBytes).length,
  );
}

async function startUpload(file: FileToSend, ctx: TransferContext): Promise<UploadJournal> {
  const sha256 = await largeFileSha256(file, ctx);
  const plan = getTransferConfig(file.sizeBytes, ctx.maxWorkersPerFile);
  const target = {
    bucket: ctx.bucket,
    key: file.key,
    contentType: contentTypeFor(file.key),
    metadata: objectMetadata(file, sha256),
  };
  const uploadId = await withRetry(() => ctx.store.createMultipartUpload(target, ctx.hardSignal), {
    signal: ctx.hardSignal,
  }).catch((error: unknown) => {
    throw toUploadError(error, 'start upload of', file.key);
  });
  const journal: UploadJournal = {
    version: 1,
    endpoint: ctx.journals.endpoint,
    bucket: ctx.bucket,
    key: file.key,
    path: file.path,
    sizeBytes: file.sizeBytes,
    mtimeMs: file.mtimeMs,
    uploadId,
    partSizeBytes: plan.partSizeBytes,
    createdAt: new Date().toISOString(),
    parts: [],
    ...(sha256 ? { sha256 } : {}),
  };
  await ctx.journals.save(journal);
  return journal;
}

/** With --verify-large, one SHA-256 pass before sending, so the hash can go into x-amz-meta-sha256. */
async function largeFileSha256(file: FileToSend, ctx: TransferContext): Promise<string | undefined> {
  const cached = ctx.hashCache.get(file.path, file);
  if (cached || !ctx.verifyLarge) return cached?.sha256;
  const digests = await hashFile(file.path, file, { signal: ctx.signal });
  ctx.hashCache.set(file.path, file, digests);
  return digests.sha256;
}

async function finishMultipart(
  file: FileToSend,
  source: FileSource,
  journal: UploadJournal,
  ctx: TransferContext,
  counts: Omit<SentFile, 'etag' | 'sha256'>,
): Promise<SentFile> {
  const target = { bucket: journal.bucket, key: journal.key, uploadId: journal.uploadId };
  try {
    await source.assertUnchanged();
  } catch (error) {
    await abandonUpload(journal, ctx);
    throw error;
  }
  const etag = await withRetry(
    () => ctx.store.completeMultipartUpload(target, journal.parts, ctx.hardSignal),
    {
      signal: ctx.hardSignal,
    },
  ).catch((error: unknown) => {
    throw toUploadError(error, 'complete upload of', file.key);
  });
  await ctx.journals.remove(journal.bucket, journal.key);
  const storedEtag = await verifyStoredObject(file, journal, etag, ctx);
  await abortOrphanedUploads(journal, ctx);
  return { etag: storedEtag, ...(journal.sha256 ? { sha256: journal.sha256 } : {}), ...counts };
}

async function abandonUpload(journal: UploadJournal, ctx: TransferContext): Promise<void> {
  await ctx.store
    .abortMultipartUpload(journal.bucket, journal.key, journal.uploadId, ctx.hardSignal)
    .catch(() => {});
  await ctx.journals.remove(journal.bucket, journal.key);
  await abortOrphanedUploads(journal, ctx);
}

/**
 * Aborts the other open uploads of this key: orphans of a CreateMultipartUpload whose answer was lost (its
 * retry started a second upload) or of a run killed before it wrote the journal. No journal names them, so
 * nothing else would ever abort them, and they cost storage. The project lock keeps other runs off this key.
 * Best effort: a failure (e.g. no s3:ListBucketMultipartUploads permission) is only logged.
 */
async function abortOrphanedUploads(journal: UploadJournal, ctx: TransferContext): Promise<void> {
  try {
    const open = await ctx.store.listMultipartUploads(journal.bucket, journal.key, ctx.hardSignal);
    for (const upload of open.filter((u) => u.key === journal.key && u.uploadId !== journal.uploadId)) {
      ctx.debug(`${journal.key}: aborting orphaned upload ${upload.uploadId}`);
      await ctx.store.abortMultipartUpload(journal.bucket, journal.key, upload.uploadId, ctx.hardSignal);
    }
  } catch (error) {
    ctx.debug(`${journal.key}: could not abort orphaned uploads (${describeError(error)})`);
  }
}

/**
 * The completed object must have the file's size and the ETag its parts imply. The ETag is taken from
 * HeadObject when CompleteMultipartUpload's answer has none (Ceph RGW sends it empty). Returns the ETag.
 */
async function verifyStoredObject(
  file: FileToSend,
  journal: UploadJournal,
  completeEtag: string,
  ctx: TransferContext,
): Promise<string> {
  const ordered = [...journal.parts].sort((a, b) => a.partNumber - b.partNumber);
  const expected = combinePartEtags(ordered.map((p) => p.etag));
  const head = await ctx.store.headObject(journal.bucket, journal.key, ctx.hardSignal);
  const etag = completeEtag || head?.etag || '';
  const etagOk = expected === undefined || !/^[0-9a-f]{32}-\d+$/.test(etag) || etag === expected;
  if (!head || head.sizeBytes !== file.sizeBytes || !etagOk) {
    throw new RemoteError(
      `verify ${file.key}: the stored object does not match (size ${head?.sizeBytes ?? 'missing'} of ${file.sizeBytes}, ETag ${etag}, expected ${expected}); run again to resend`,
      false,
    );
  }
  return etag;
}
