import pLimit from 'p-limit';
import { partRange } from '../content/part-layout.js';
import { LinkDownError, SourceError } from '../errors.js';
import { formatBytes, formatCount } from '../status/format.js';
import { errorCode, isBodyTooLarge, isUploadMissing, toUploadError } from '../remote/classify-error.js';
import { combineCrcs } from '../content/crc.js';
import { isEtagContentMd5 } from '../content/etag.js';
import type { RemotePart, StoredReport } from '../remote/remote-object.js';
import type { CrcChecksum, SignedBody } from '../remote/write-request.js';
import { hexToBase64 } from '../remote/put-object-request.js';
import {
  confirmEncryption,
  confirmStoredPart,
  confirmStorageClass,
  confirmStoredObject,
  describeProof,
  reportsChecksum,
} from './confirm-stored.js';
import type { FileSource } from './file-source.js';
import { partDigestChoice } from './integrity-mode.js';
import { probeCannedAcl } from './acl-probe.js';
import { tagIfDropped } from './object-tags.js';
import { abortOrphanedUploads } from './orphan-uploads.js';
import { giveUpOnCloses, PartsClosedMidBody } from './part-size-cap.js';
import { openJournal } from './resume-upload.js';
import { sendInFlight } from './stop-triage.js';
import { abortIfUnused } from './stopped-uploads.js';
import { withRetry } from './retry.js';
import {
  bodyMemoryBytes,
  describeError,
  prepareBody,
  readOnceBody,
  reportedRetries,
  sendWithRetry,
} from './send-body.js';
import { SLICE_BYTES, type BodyDigests, type ByteRange } from './signed-body.js';
import { getTransferConfig } from './transfer-config.js';
import type { FileToSend, SentFile, TransferContext } from './transfer-context.js';
import type { UploadJournal } from './upload-journal.js';
import { rangeProgress } from './range-progress.js';
import type { OnBytesSent } from '../status/status-tracker.js';

/** Tells the run how much of a file an earlier run already stored, once, before its missing parts are sent. */
export type OnResumed = (stored: { bytes: number; partsStored: number; partCount: number }) => void;

/** What an upload tells the run of a file's progress besides the bytes it sends. */
export interface UploadProgress {
  onResumed?: OnResumed;
  /**
   * The upload starts again from the file's first byte in a new upload: what it sent or resumed before is no
   * longer the file's progress.
   */
  onRestart?: () => void;
}

/**
 * Sends a file as a resumable multipart upload: resumes the journal's upload (see {@link openJournal}) or
 * starts one, sends the missing parts through the run's scheduler, completes, and checks the stored object.
 * An upload resumed from the journal alone (the server cannot list parts) sends its first missing part before
 * the others: when the server answers that the upload is gone, or at completion that a recorded part is, it
 * starts again. So does an upload whose part the server refuses as too big (413), with smaller parts. An upload
 * this run started that holds no part when the run stops for an error is aborted (see {@link abortIfUnused}).
 * @throws SourceError (the file changed: the upload is aborted), RemoteError, InterruptedError.
 */
export async function uploadMultipart(
  file: FileToSend,
  source: FileSource,
  ctx: TransferContext,
  onBytes: OnBytesSent,
  progress: UploadProgress = {},
): Promise<SentFile> {
  const { journal, resumed, listed } = await openJournal(file, source, ctx);
  const onResumed = progress.onResumed ?? (() => undefined);
  try {
    return await sendMissingParts(file, source, ctx, { journal, resumed, listed, onBytes, onResumed });
  } catch (error) {
    if (ctx.signal.aborted) {
      if (!resumed) await abortIfUnused(journal, ctx);
      throw error;
    }
    if (isBodyTooLarge(error)) {
      const smaller = ctx.partSizeCap.lowerAfter(journal.partSizeBytes, file.sizeBytes);
      if (smaller === undefined) throw error;
      ctx.warn(
        `the server refuses parts of ${formatBytes(journal.partSizeBytes)} (HTTP 413): sending ${file.key} again in ` +
          `parts of ${formatBytes(smaller)}`,
      );
    } else if (error instanceof PartsClosedMidBody) {
      const smaller = ctx.partSizeCap.lowerAfterCloses(error.partBytes, file.sizeBytes);
      if (smaller === undefined) throw error.withNoSmallerPart();
      ctx.warn(
        `the server closed the connection twice while a part of ${formatBytes(error.partBytes)} was sent (` +
          `${describeError(error.cause)}), and has stored no part that big: a request size limit may refuse ` +
          `them; sending ${file.key} again in parts of ${formatBytes(smaller)}`,
      );
    } else if (listed || !isUploadMissing(error)) throw error;
    else
      ctx.debug(`${file.key}: upload ${journal.uploadId} is not on the server as journaled; starting again`);
    await abandonUpload(journal, ctx);
    progress.onRestart?.();
    return uploadMultipart(file, source, ctx, onBytes, progress);
  }
}

/** Whether the server refused a part for its size, by a 413 or by closing the connection as it was sent. */
function isRefusedForSize(error: unknown): boolean {
  return isBodyTooLarge(error) || error instanceof PartsClosedMidBody;
}

async function sendMissingParts(
  file: FileToSend,
  source: FileSource,
  ctx: TransferContext,
  run: {
    journal: UploadJournal;
    resumed: boolean;
    listed: boolean;
    onBytes: OnBytesSent;
    onResumed: OnResumed;
  },
): Promise<SentFile> {
  const { journal } = run;
  // parts an earlier run stored show the server takes parts this big: closes while they are sent are the link's
  for (const part of journal.parts) ctx.partSizeCap.noteAccepted(part.sizeBytes);
  const done = new Set(journal.parts.map((p) => p.partNumber));
  const partCount = Math.ceil(file.sizeBytes / journal.partSizeBytes);
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
  const storedBytes =
    file.sizeBytes -
    missing.reduce((sum, n) => sum + partRange(n, journal.partSizeBytes, file.sizeBytes).length, 0);
  // parts already on the server are progress of the file, not bytes this run sent: rates and totals leave them out
  const reportStored = () => {
    if (storedBytes > 0)
      run.onResumed({ bytes: storedBytes, partsStored: partCount - missing.length, partCount });
  };
  const perFile = pLimit(getTransferConfig(file.sizeBytes, ctx.maxWorkersPerFile).workers);
  const route: PartRoute = { readOnce: true };
  let changed: SourceError | undefined;
  // parts of a file that is no longer the planned one, of an upload to start again in smaller parts, or sent
  // over a link found down (each would spend a request on a link that answers none) are not worth sending; other
  // failures leave the parts that could be sent stored for the next run to resume
  let stop: Error | undefined;
  const sendUnlessChanged = async (n: number) => {
    if (stop) throw stop;
    await sendPart(n, journal, source, ctx, run.onBytes, route).catch((error: unknown) => {
      if (error instanceof SourceError) changed ??= error;
      if (error instanceof SourceError || error instanceof LinkDownError || isRefusedForSize(error))
        stop ??= error as Error;
      throw error;
    });
  };
  // Wait for every part, even after one fails: the file stays open until no part reads from it.
  const sendAll = (parts: number[]) =>
    Promise.allSettled(parts.map((n) => perFile(() => sendUnlessChanged(n))));
  const first = run.listed ? [] : missing.slice(0, 1);
  const settled: PromiseSettledResult<void>[] = await sendAll(first);
  if (!settled.some((r) => r.status === 'rejected')) {
    reportStored();
    settled.push(...(await sendAll(missing.slice(first.length))));
  }
  if (changed) {
    // No later run would resume it (the journal no longer matches the file), so nothing else would abort it.
    await abandonUpload(journal, ctx);
    throw changed;
  }
  if (stop) throw stop;
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return finishMultipart(file, source, journal, ctx, {
    partsResumed: partCount - missing.length,
    partsSent: missing.length,
    detail: run.resumed
      ? `resumed: ${partCount - missing.length} of ${partCount} parts were already stored`
      : `multipart, ${formatCount(partCount, 'part')}`,
  });
}

/**
 * Sends one part with the one digest the upload's mode needs, checks the answer (an MD5 ETag or a checksum that
 * is not ours means the server stored other bytes: the part is sent again) and journals it. Where the part's MD5
 * ETag will show what the server stored, the part is read once and hashed as it goes out; otherwise it is hashed
 * first and sent with its digest for the server to check.
 */
async function sendPart(
  partNumber: number,
  journal: UploadJournal,
  source: FileSource,
  ctx: TransferContext,
  onBytes: OnBytesSent,
  route: PartRoute,
): Promise<void> {
  const range = partRange(partNumber, journal.partSizeBytes, journal.sizeBytes);
  // a part sent again (a failed attempt, or read once and then with its digest) counts once
  const partBytes = rangeProgress(onBytes, range.length);
  const part: PartToSend = {
    target: { bucket: journal.bucket, key: journal.key, uploadId: journal.uploadId, partNumber },
    what: `${journal.key} part ${partNumber}`,
    range,
  };
  await ctx.scheduler
    .run(
      bodyMemoryBytes(range.length),
      async () => {
        const sent = await sendInFlight(ctx, range.length, async (partCtx, flight) => {
          const counted = flight ? (delta: number) => (flight.sent(delta), partBytes(delta)) : partBytes;
          return (
            (route.readOnce && isProvenByEtag(journal, range)
              ? await sendReadOnce(part, journal, source, partCtx, counted, route)
              : undefined) ?? (await sendHashedFirst(part, journal, source, partCtx, counted))
          );
        });
        ctx.partSizeCap.noteAccepted(range.length);
        if (sent.stored.encryption !== 'none') journal.encryption = sent.stored.encryption;
        journal.parts.push({ partNumber, etag: sent.stored.etag, sizeBytes: range.length, ...sent.digests });
        await ctx.journals.save(journal);
        partBytes.confirm();
      },
      range.length,
    )
    .catch((error: unknown) => {
      // a part no journal holds (cut off by a stop, or failed) is sent again by the next run: no content uploaded
      partBytes.withdraw();
      throw error;
    });
}

/** Whether the parts of one upload may go read once: not after the server refused one for want of a digest. */
interface PartRoute {
  readOnce: boolean;
}

interface PartToSend {
  target: { bucket: string; key: string; uploadId: string; partNumber: number };
  /** `KEY part N`, for messages. */
  what: string;
  range: ByteRange;
}

interface SentPart {
  stored: StoredReport;
  digests: BodyDigests;
}

/**
 * True when the part's answer will prove what the server stored on its own: in md5 mode its ETag is the MD5 of the
 * part unless the upload is encrypted with KMS or a customer key. A part of one slice or less is read whole into
 * memory anyway, so it keeps its Content-MD5.
 */
function isProvenByEtag(journal: UploadJournal, range: ByteRange): boolean {
  return journal.integrity === 'md5' && isEtagContentMd5(journal.encryption) && range.length > SLICE_BYTES;
}

/**
 * Sends a part read once, MD5-hashed as it goes out, without Content-MD5: the ETag in the answer must be that MD5,
 * and a part stored with other bytes is sent again before CompleteMultipartUpload, so it never shows. Returns
 * undefined when the part must go again with Content-MD5, as must the upload's later parts: when its answer's ETag
 * proves nothing after all (it reports KMS or customer-key encryption the upload's did not), or when the server
 * refuses a part without a digest (Amazon S3 does, 400 InvalidRequest, in a bucket with Object Lock).
 * @throws SourceError when the file changed, RemoteError when the part could not be stored.
 */
async function sendReadOnce(
  part: PartToSend,
  journal: UploadJournal,
  source: FileSource,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
  route: PartRoute,
): Promise<SentPart | undefined> {
  const send = readOnceBody(source, part.range, ctx, onBytes);
  const sent = await sendWithRetry(
    `upload ${part.what}`,
    ctx,
    (attempt) => send(attempt, (body, digests) => attemptReadOnce(part, journal, ctx, body, digests)),
    giveUpOnCloses(`upload ${part.what}`, part.range.length, ctx.partSizeCap),
  );
  if (!sent) {
    route.readOnce = false;
    ctx.debug(`${part.what}: refused without a digest; sending it and the next parts with Content-MD5`);
    return undefined;
  }
  // nothing on the wire compared these bytes with the file: a change while they were read shows here, at this part
  await source.assertUnchanged();
  if (sent.proven) return { stored: sent.stored, digests: sent.digests };
  // no later part of the upload goes read once, in this run (the ETags are opaque) or any (the encryption says so)
  route.readOnce = false;
  journal.encryption = sent.stored.encryption;
  ctx.debug(
    `${part.what}: its ETag ${sent.stored.etag} is no MD5 (${sent.stored.encryption}); sending it again with ` +
      'Content-MD5',
  );
  return undefined;
}

/**
 * One attempt of {@link sendReadOnce}: the answer, the MD5 of what went out and whether the ETag proved it; undefined
 * when the server refused the part for want of a digest.
 * @throws RemoteError (retryable) when the ETag is an MD5 but not ours: the server stored other bytes.
 */
async function attemptReadOnce(
  part: PartToSend,
  journal: UploadJournal,
  ctx: TransferContext,
  body: SignedBody,
  digestsOf: () => BodyDigests,
): Promise<(SentPart & { proven: boolean }) | undefined> {
  const answer = await ctx.store.uploads
    .uploadPart(part.target, body, ctx.hardSignal)
    .catch((error: unknown) => {
      if (errorCode(error) === 'InvalidRequest') return undefined;
      throw error;
    });
  if (!answer) return undefined;
  const digests = digestsOf();
  const stored = { ...answer, encryption: partEncryption(answer, journal) };
  return { stored: answer, digests, proven: confirmStoredPart(part.what, stored, digests) === 'etag' };
}

/** Sends a part hashed in a first read and streamed in a second, with the digest its upload's mode sends. */
async function sendHashedFirst(
  part: PartToSend,
  journal: UploadJournal,
  source: FileSource,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
): Promise<SentPart> {
  const choice = partDigestChoice(journal.integrity, journal.crc);
  const { digests, send } = await prepareBody(source, part.range, ctx, onBytes, choice, journal.integrity);
  const stored = await sendWithRetry(
    `upload ${part.what}`,
    ctx,
    (attempt) =>
      send(attempt, async (body) => {
        const answer = await ctx.store.uploads.uploadPart(part.target, body, ctx.hardSignal);
        const stored = { ...answer, encryption: partEncryption(answer, journal) };
        confirmStoredPart(part.what, stored, digests, journal.crc);
        return answer;
      }),
    giveUpOnCloses(`upload ${part.what}`, part.range.length, ctx.partSizeCap),
  );
  return { stored, digests };
}

/**
 * The encryption that decides whether a part's ETag is an MD5: the part's answer, or the upload's when the
 * answer names none (a server may report it on CreateMultipartUpload only).
 */
function partEncryption(answer: StoredReport, journal: UploadJournal): StoredReport['encryption'] {
  return answer.encryption !== 'none' ? answer.encryption : (journal.encryption ?? 'none');
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
  const crc = fullObjectCrc(journal);
  const completed = await withRetry(
    () => ctx.store.uploads.complete(target, completionParts(journal), ctx.hardSignal, crc),
    reportedRetries(`complete upload of ${file.key}`, ctx),
  ).catch((error: unknown) => {
    throw toUploadError(error, 'complete upload of', file.key);
  });
  await ctx.journals.remove(journal.bucket, journal.key);
  const head = await ctx.store
    .headObject(journal.bucket, journal.key, ctx.hardSignal)
    .catch((error: unknown) => {
      throw toUploadError(error, 'verify', file.key);
    });
  await tagIfDropped(file, head?.tagCount, ctx);
  const expected = {
    sizeBytes: file.sizeBytes,
    integrity: journal.integrity,
    parts: journal.parts,
    crc,
    md5: ctx.hashCache.get(file.path, file)?.md5,
  };
  const { etag, proof, encryption, why } = confirmStoredObject(file.key, expected, completed, head);
  const wanted = ctx.settingsFor?.(file.group);
  confirmEncryption(
    file.key,
    { encryption: wanted?.encryption, customerKey: ctx.customerKeyMd5 !== undefined },
    { encryption, etag },
  );
  confirmStorageClass(file.key, wanted?.storageClass, { storageClass: head?.storageClass, etag });
  await probeCannedAcl(file, ctx, etag);
  await abortOrphanedUploads(journal, ctx);
  if (journal.integrity === 'checksum' && !reportsChecksum(completed, head)) ctx.onChecksumNotKept?.();
  const how = describeProof(proof, encryption, 'parts', why);
  return {
    etag,
    ...(journal.sha256 ? { sha256: journal.sha256 } : {}),
    ...counts,
    detail: how ? `${counts.detail}; ${how}` : counts.detail,
  };
}

/**
 * The parts as CompleteMultipartUpload takes them: in checksum mode with their checksums, SHA-256 or the CRC the
 * upload stores.
 */
function completionParts(journal: UploadJournal): RemotePart[] {
  const checksums = journal.integrity === 'checksum';
  return journal.parts.map(({ partNumber, etag, sizeBytes, sha256, crc }) => ({
    partNumber,
    etag,
    sizeBytes,
    ...(checksums && !journal.crc && sha256 ? { checksumSha256: hexToBase64(sha256) } : {}),
    ...(checksums && journal.crc && crc ? { crcChecksums: { [journal.crc]: crc } } : {}),
  }));
}

/** The whole object's CRC, from the parts' CRCs in order: what S3 stores and answers for a full-object CRC. */
function fullObjectCrc(journal: UploadJournal): CrcChecksum | undefined {
  if (journal.integrity !== 'checksum' || !journal.crc) return undefined;
  const parts = [...journal.parts].sort((a, b) => a.partNumber - b.partNumber);
  if (parts.some((part) => part.crc === undefined)) return undefined;
  const crcs = parts.map((part) => ({ crc: part.crc!, length: part.sizeBytes }));
  return { name: journal.crc, value: combineCrcs(journal.crc, crcs) };
}

async function abandonUpload(journal: UploadJournal, ctx: TransferContext): Promise<void> {
  await ctx.store.uploads
    .abort(journal.bucket, journal.key, journal.uploadId, ctx.hardSignal)
    .catch(() => {});
  await ctx.journals.remove(journal.bucket, journal.key);
  await abortOrphanedUploads(journal, ctx);
}
