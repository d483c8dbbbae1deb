import type { UploadProgress } from './upload-multipart.js';
import { probeCannedAcl } from './acl-probe.js';
import { sendInFlight } from './stop-triage.js';
import { tagWholeObject } from './object-tags.js';
import {
  confirmEncryption,
  confirmStorageClass,
  confirmStoredBody,
  describeProof,
  reportsChecksum,
} from './confirm-stored.js';
import { RemoteError, StoredMismatchError } from '../errors.js';
import { FileSource } from './file-source.js';
import { bodyMemoryBytes, bufferBody, prepareBody, sendWithRetry, type BodySender } from './send-body.js';
import type { CrcName } from '../content/crc.js';
import { SLICE_BYTES, type BodyDigests, type DigestChoice } from './signed-body.js';
import { getTransferConfig } from './transfer-config.js';
import {
  maxPartBytes,
  objectTarget,
  type FileToSend,
  type SentFile,
  type TransferContext,
} from './transfer-context.js';
import { uploadMultipart } from './upload-multipart.js';
import { rangeProgress, type RangeProgress } from './range-progress.js';
import type { OnBytesSent } from '../status/status-tracker.js';
import { markRequestSettings } from '../remote/refused-argument.js';

export type { FileToSend, SentFile, TransferContext } from './transfer-context.js';

/**
 * Uploads one file: one PutObject below the multipart threshold, else a resumable multipart upload. Either way
 * the server checks each body on the wire (signed SHA-256, Content-MD5, or its SHA-256 checksum), and what it
 * reports it stored is compared with the local digests before the file counts as uploaded.
 * @throws SourceError, RemoteError, AuthError/ConfigError (run-fatal), InterruptedError.
 */
export async function uploadFile(
  file: FileToSend,
  ctx: TransferContext,
  onBytes: OnBytesSent,
  progress: UploadProgress = {},
): Promise<SentFile> {
  const plan = getTransferConfig(file.sizeBytes, ctx.maxWorkersPerFile, maxPartBytes(ctx));
  // a whole file sent again (a failed attempt, an answer that shows other bytes) counts once
  const wholeBytes = rangeProgress(onBytes, file.sizeBytes);
  if (!plan.multipart && file.sizeBytes <= SLICE_BYTES) {
    return uploadSingle(file, ctx, wholeBytes, async (sendCtx) =>
      bufferBody(
        await sendCtx.wholeFiles.read(file.path, file),
        sendCtx,
        wholeBytes,
        singleDigests(sendCtx),
        sendCtx.integrity,
      ),
    );
  }
  const source = await FileSource.open(file.path, file);
  try {
    const range = { start: 0, length: file.sizeBytes };
    return plan.multipart
      ? await uploadMultipart(file, source, ctx, onBytes, progress)
      : await uploadSingle(file, ctx, wholeBytes, (sendCtx) =>
          prepareBody(source, range, sendCtx, wholeBytes, singleDigests(sendCtx), sendCtx.integrity),
        );
  } finally {
    await source.close();
  }
}

type PreparedBody = { digests: BodyDigests; send: BodySender };

/**
 * Content-MD5 always (the body is hashed in memory anyway, and both digests go to the hash cache) and the SHA-256;
 * the CRC S3 stores when the run asks for one.
 */
function singleDigests(ctx: TransferContext): DigestChoice {
  const crc = singleCrc(ctx);
  return { sha256: true, md5: true, ...(crc ? { crc } : {}) };
}

function singleCrc(ctx: TransferContext): CrcName | undefined {
  return ctx.integrity === 'checksum' ? ctx.crc : undefined;
}

/**
 * One PutObject of the body `prepare` reads and hashes (within the scheduler's memory budget, and with the context
 * of its flight, whose signal a stop may end early), with its Content-MD5, its SHA-256 signed and, in checksum mode,
 * stored as a checksum. An answer that shows other bytes is retried like a failed request. A body the server did
 * not store gives its bytes back (`wholeBytes.withdraw`).
 */
async function uploadSingle(
  file: FileToSend,
  ctx: TransferContext,
  wholeBytes: RangeProgress,
  prepare: (ctx: TransferContext) => Promise<PreparedBody>,
): Promise<SentFile> {
  const sent = await putWhole(file, ctx, prepare).catch((error: unknown) => {
    wholeBytes.withdraw();
    throw error;
  });
  await probeStorageClass(file, ctx, sent.etag);
  await tagWholeObject(file, ctx);
  await probeCannedAcl(file, ctx, sent.etag);
  return sent;
}

async function putWhole(
  file: FileToSend,
  ctx: TransferContext,
  prepare: (ctx: TransferContext) => Promise<PreparedBody>,
): Promise<SentFile> {
  return ctx.scheduler.run(
    bodyMemoryBytes(file.sizeBytes),
    () =>
      sendInFlight(ctx, file.sizeBytes, async (flightCtx, flight) => {
        const sent = await putPrepared(file, flightCtx, prepare);
        flight?.sent(file.sizeBytes);
        return sent;
      }),
    file.sizeBytes,
  );
}

async function putPrepared(
  file: FileToSend,
  ctx: TransferContext,
  prepare: (ctx: TransferContext) => Promise<PreparedBody>,
): Promise<SentFile> {
  const { digests, send } = await prepare(ctx);
  const crc = singleCrc(ctx);
  const sha256 = digests.sha256!;
  ctx.hashCache.set(file.path, file, { sha256, md5: digests.md5! });
  const target = objectTarget(file, sha256, ctx);
  let mismatch: StoredMismatchError | undefined;
  const { stored, proof } = await sendWithRetry(`upload ${file.key}`, ctx, (attempt) =>
    send(attempt, async (body) => {
      const answer = await ctx.store.putObject(target, body, ctx.hardSignal).catch((error: unknown) => {
        throw markRequestSettings(error, target, ctx.customerKeyMd5 !== undefined);
      });
      try {
        return { stored: answer, proof: confirmStoredBody(file.key, answer, digests, crc) };
      } catch (error) {
        if (error instanceof StoredMismatchError) mismatch = error;
        throw error;
      }
    }),
  ).catch((error: unknown) => {
    throw namingStoredObject(error, mismatch);
  });
  confirmEncryption(
    file.key,
    { encryption: target.encryption, customerKey: ctx.customerKeyMd5 !== undefined },
    stored,
  );
  if (ctx.integrity === 'checksum' && !reportsChecksum(stored)) ctx.onChecksumNotKept?.();
  const how = describeProof(proof, stored.encryption, 'body');
  return {
    etag: stored.etag,
    sha256,
    partsResumed: 0,
    partsSent: 1,
    detail: how ? `single request; ${how}` : 'single request',
  };
}

/**
 * The last attempt's failure, naming the object an earlier attempt stored with other bytes: the failed row of the
 * upload log must keep its ETag, or the next run takes the file's size and mtime recorded on it for proof. A
 * failure that stops the run (credentials, settings, a lost link) or the file's own stays as it is.
 */
function namingStoredObject(error: unknown, mismatch: StoredMismatchError | undefined): unknown {
  if (!mismatch || !(error instanceof RemoteError) || error.constructor !== RemoteError) return error;
  return new StoredMismatchError(error.message, mismatch.storedEtag, error.retryable);
}

/**
 * Proves once per class, by one HeadObject of the first object sent whole in it, that the server keeps the storage
 * class asked for (a map of classes by folder type may hold one the server ignores): a PutObject's answer does not
 * name it. Every object sent whole in the class waits for that verdict (see `SettingVerdicts`). Multipart uploads
 * are proven by the HeadObject that checks them. A failed HeadObject proves nothing and fails nothing.
 * @throws SettingNotAppliedError when the object read back is stored in another class.
 */
async function probeStorageClass(file: FileToSend, ctx: TransferContext, storedEtag: string): Promise<void> {
  const asked = ctx.settingsFor?.(file.group).storageClass;
  if (!asked || !ctx.storageClassVerdicts) return;
  const stored = await ctx.storageClassVerdicts.of(asked, async () => {
    const head = await ctx.store.headObject(ctx.bucket, file.key, ctx.hardSignal).catch((error: unknown) => {
      ctx.debug(`${file.key}: no HeadObject to check its storage class (${String(error)})`);
      return undefined;
    });
    return head && { storageClass: head.storageClass };
  });
  if (stored) confirmStorageClass(file.key, asked, { ...stored, etag: storedEtag });
}
