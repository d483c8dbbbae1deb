import { compareFingerprints } from '../content/file-identity.js';
import { hashFile } from '../content/file-hash.js';
import { partRange } from '../content/part-layout.js';
import { InterruptedError } from '../errors.js';
import { toUploadError } from '../remote/classify-error.js';
import type { PartListing, RemotePart } from '../remote/remote-object.js';
import type { FileSource } from './file-source.js';
import { partDigestChoice } from './integrity-mode.js';
import { confirmParts } from './part-confirmation.js';
import { withRetry } from './retry.js';
import { reportedRetries } from './send-body.js';
import { outlastStop } from './stopped-uploads.js';
import { hashRange, SLICE_BYTES } from './signed-body.js';
import { getTransferConfig } from './transfer-config.js';
import { maxPartBytes, objectTarget, type FileToSend, type TransferContext } from './transfer-context.js';
import type { JournalPart, UploadJournal } from './upload-journal.js';
import { changesSinceStart, uploadSettingsFor } from './upload-settings.js';
import { markRequestSettings } from '../remote/refused-argument.js';

/**
 * Finds the journal of an interrupted upload of this file and confirms its parts with ListParts (see
 * {@link confirmParts}), or starts a new upload. The journal is matched by endpoint, bucket and key (its file
 * name) and by the file's size, mtime and file id, never by the spelling of its path: `D:\Reels` and
 * `d:\reels`, or a mapped drive and its UNC path, resume the same upload. A journal for a changed file is
 * aborted, one whose upload the server says is gone is dropped, and the upload starts again.
 *
 * A server that cannot list parts (fauxqs has no ListParts) resumes from the journal alone, `listed: false`:
 * each part it records was confirmed by the server's answer when it was sent. Whether the upload still exists
 * is learnt from the first part sent, so the journal's last part is sent again when it records them all.
 * @throws RemoteError when ListParts or CreateMultipartUpload fails; SourceError if the file changes meanwhile.
 */
export async function openJournal(
  file: FileToSend,
  source: FileSource,
  ctx: TransferContext,
): Promise<{ journal: UploadJournal; resumed: boolean; listed: boolean }> {
  const fileId = await source.fileId();
  const existing = await ctx.journals.load(ctx.bucket, file.key);
  // what the comparison reads, named: a spread of a PlannedFile copies its fields but none of its getters
  const current = { sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs, fileId };
  const fingerprint = existing && compareFingerprints(existing, current);
  const match =
    existing && fingerprint === 'different' && existing.sizeBytes === file.sizeBytes
      ? await touchedFileMatch(existing, file, ctx)
      : fingerprint;
  const changes = existing && match !== 'different' ? settingsChanges(existing, file, ctx) : [];
  if (existing && match === 'different') {
    ctx.debug(
      `${file.key}: the file changed since the interrupted upload ${existing.uploadId}; aborting it and starting again`,
    );
    await abandon(existing, ctx);
  } else if (existing && changes.length > 0) {
    ctx.warn(
      `${file.key}: starting the upload again, since the interrupted one was started with other settings ` +
        `(${changes.join('; ')}); its parts are sent again`,
    );
    await abandon(existing, ctx);
  } else if (existing) {
    const listing = await listParts(existing, ctx);
    if (listing !== 'gone') {
      const recheck = recheckReason(existing, file, match);
      const resumed = await resumeJournal(existing, listing, { file, fileId, source, ctx, recheck });
      if (match !== 'touched' || resumed.journal.parts.length > 0 || existing.parts.length === 0)
        return resumed;
      // no stored part holds the file's bytes now: it was rewritten, and a new upload starts clean
      ctx.debug(
        `${file.key}: the file changed since the interrupted upload ${existing.uploadId}; aborting it`,
      );
      await abandon(existing, ctx);
    } else ctx.debug(`${file.key}: upload ${existing.uploadId} is gone from the server; starting again`);
  }
  return { journal: await startUpload(file, fileId, ctx), resumed: false, listed: true };
}

/** How a file compares with its interrupted upload: by fingerprint, or for a touched file by content. */
type JournalMatch = ReturnType<typeof compareFingerprints> | 'touched';

/**
 * A file of the upload's size whose mtime or file id moved (touched, copied back, restored from a backup) may hold
 * the same bytes: its stored parts are worth keeping. With the upload's SHA-256 (its metadata names it) the file is
 * hashed again: the same content resumes as it is, other content is `different`. Without one the stored parts are
 * checked against their digests as they are kept (`touched`), and the parts not stored are read as they are now.
 */
async function touchedFileMatch(
  existing: UploadJournal,
  file: FileToSend,
  ctx: TransferContext,
): Promise<JournalMatch> {
  if (existing.sha256 === undefined) return 'touched';
  const cached = ctx.hashCache.get(file.path, file);
  const digests = cached ?? (await hashFile(file.path, file, { signal: ctx.signal }));
  if (!cached) ctx.hashCache.set(file.path, file, digests);
  if (digests.sha256 !== existing.sha256) return 'different';
  ctx.debug(`${file.key}: the file's mtime moved since the interrupted upload, not its content; resuming it`);
  return 'same';
}

/**
 * Why the stored parts' bytes must be read again before they are trusted, or undefined: the mtime moved by a clock
 * shift or a touch, or the file's change time (ctime, the NTFS change time on Windows) moved though size and mtime
 * did not, as when a file is edited in place and its mtime set back.
 */
function recheckReason(
  existing: UploadJournal,
  file: FileToSend,
  match: JournalMatch | undefined,
): string | undefined {
  if (match === 'clock-shifted') return "the file's mtime moved by a clock shift";
  if (match === 'touched') return "the file's mtime moved since the interrupted upload";
  const moved =
    existing.ctimeMs !== undefined && file.ctimeMs !== undefined && existing.ctimeMs !== file.ctimeMs;
  return moved ? "the file's change time moved since the interrupted upload" : undefined;
}

/** What the run asks for that the interrupted upload was not started with: completing it would not store that. */
function settingsChanges(existing: UploadJournal, file: FileToSend, ctx: TransferContext): string[] {
  const now = uploadSettingsFor(file.key, ctx.settingsFor?.(file.group), ctx.customerKeyMd5);
  return changesSinceStart(existing, now, ctx.verifyLarge);
}

/** Aborts an upload that will not be completed; one the server no longer has, or cannot abort now, is let be. */
async function abandon(journal: UploadJournal, ctx: TransferContext): Promise<void> {
  await ctx.store.uploads
    .abort(journal.bucket, journal.key, journal.uploadId, ctx.hardSignal)
    .catch(() => {});
}

/** Keeps the parts of `existing` that `listing` confirms, or, where the server cannot list them, that it records. */
async function resumeJournal(
  existing: UploadJournal,
  listing: RemotePart[] | 'unlisted',
  at: {
    file: FileToSend;
    fileId: string | undefined;
    source: FileSource;
    ctx: TransferContext;
    recheck: string | undefined;
  },
): Promise<{ journal: UploadJournal; resumed: true; listed: boolean }> {
  const { file, fileId, ctx } = at;
  const listed = listing !== 'unlisted';
  if (!listed)
    ctx.debug(
      `${file.key}: the server cannot list the parts of ${existing.uploadId}; resuming from the journal`,
    );
  const serverParts = listed ? listing : existing.parts.map(recordedAsListed);
  let parts = await keptParts(existing, serverParts, at.source, ctx, at.recheck);
  const lastPart = Math.ceil(existing.sizeBytes / existing.partSizeBytes);
  if (!listed && parts.length === lastPart) parts = parts.filter((p) => p.partNumber !== lastPart);
  const journal = {
    ...existing,
    path: file.path,
    mtimeMs: file.mtimeMs,
    ...(fileId ? { fileId } : {}),
    ...(file.ctimeMs !== undefined ? { ctimeMs: file.ctimeMs } : {}),
    parts,
  };
  await ctx.journals.save(journal);
  return { journal, resumed: true, listed };
}

/** A part as the journal recorded the server's answer to it, in the shape ListParts would list it. */
function recordedAsListed({ partNumber, etag, sizeBytes }: JournalPart): RemotePart {
  return { partNumber, etag, sizeBytes };
}

function listParts(journal: UploadJournal, ctx: TransferContext): Promise<PartListing> {
  return ctx.store.uploads
    .listParts(journal.bucket, journal.key, journal.uploadId, ctx.hardSignal)
    .catch((error: unknown) => {
      throw toUploadError(error, 'list parts of', journal.key);
    });
}

async function keptParts(
  journal: UploadJournal,
  serverParts: RemotePart[],
  source: FileSource,
  ctx: TransferContext,
  recheck: string | undefined,
): Promise<UploadJournal['parts']> {
  if (recheck) ctx.debug(`${journal.key}: ${recheck}; checking the stored parts' bytes`);
  const scratch = ctx.buffers.acquire(SLICE_BYTES);
  try {
    const hashPart = (partNumber: number) =>
      hashRange(
        source,
        partRange(partNumber, journal.partSizeBytes, journal.sizeBytes),
        scratch,
        partDigestChoice(journal.integrity, journal.crc),
      );
    const { kept, dropped } = await confirmParts(journal, serverParts, hashPart, recheck !== undefined);
    for (const part of dropped)
      ctx.debug(`${journal.key}: resending part ${part.partNumber}: ${part.reason}`);
    return kept;
  } finally {
    ctx.buffers.release(scratch);
  }
}

async function startUpload(
  file: FileToSend,
  fileId: string | undefined,
  ctx: TransferContext,
): Promise<UploadJournal> {
  const sha256 = await largeFileSha256(file, ctx);
  const plan = getTransferConfig(file.sizeBytes, ctx.maxWorkersPerFile, maxPartBytes(ctx));
  const crc = ctx.integrity === 'checksum' ? ctx.crc : undefined;
  const target = {
    ...objectTarget(file, sha256, ctx),
    checksums: ctx.integrity === 'checksum',
    crc,
  };
  // no part starts once the run stops: an upload started now would hold none
  if (ctx.signal.aborted) throw new InterruptedError();
  const started = await withRetry(
    () =>
      outlastStop(ctx.hardSignal, (signal) => ctx.store.uploads.create(target, signal)).catch(
        (error: unknown) => {
          throw markRequestSettings(error, target, ctx.customerKeyMd5 !== undefined);
        },
      ),
    reportedRetries(`start upload of ${file.key}`, ctx),
  ).catch((error: unknown) => {
    throw toUploadError(error, 'start upload of', file.key);
  });
  const journal: UploadJournal = {
    version: 2,
    endpoint: ctx.journals.endpoint,
    bucket: ctx.bucket,
    key: file.key,
    path: file.path,
    sizeBytes: file.sizeBytes,
    mtimeMs: file.mtimeMs,
    ...(fileId ? { fileId } : {}),
    ...(file.ctimeMs !== undefined ? { ctimeMs: file.ctimeMs } : {}),
    uploadId: started.uploadId,
    partSizeBytes: plan.partSizeBytes,
    integrity: ctx.integrity,
    ...(crc ? { crc } : {}),
    encryption: started.encryption,
    settings: uploadSettingsFor(file.key, ctx.settingsFor?.(file.group), ctx.customerKeyMd5),
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
