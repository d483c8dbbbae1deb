import { endpointId } from '../remote/endpoint-id.js';
import { lockBucketIfAsked } from '../bucket-lock.js';
import { projectPrefixOf, type RunOptions } from '../config/run-options.js';
import { parseSeconds } from '../config/parse-values.js';
import { connectStore } from '../remote/connect.js';
import type { S3Store } from '../remote/s3-store.js';
import { acquireRunLock, assertRunLockFree, lockScope } from '../run-lock.js';
import { JournalStore } from '../transfer/upload-journal.js';
import type { ConnectFlags } from './connect-flags.js';
import { resolveConnectOptions } from './connect-from-flags.js';
import { refusesRequest } from '../remote/answer-fields.js';
import { toUploadError } from '../remote/classify-error.js';
import type { OpenUpload } from '../remote/remote-object.js';
import {
  describeRecord,
  refusedCleanupError,
  type CleanupRecord,
  type CleanupRefusals,
} from './cleanup-report.js';
import { findOpenUploads } from './open-uploads.js';
import { staleUploads } from './stale-uploads.js';

export interface CleanupFlags extends ConnectFlags {
  olderThan: string;
  dryRun?: boolean;
  stateDir?: string;
  bucketLock?: boolean;
  json?: boolean;
}

/** Aborts the project's stale multipart uploads (lists them with --dry-run) under the project's lock. */
export async function cleanup(flags: CleanupFlags): Promise<void> {
  const { options, log } = await resolveConnectOptions(flags);
  // a dry run takes no lock, but ends as the cleanup would while a run of the project holds it: that run's
  // uploads are not stale, whatever their age
  if (flags.dryRun) await assertRunLockFree(options.stateDir, lockScope(options));
  const lock = flags.dryRun ? undefined : await acquireRunLock(options.stateDir, lockScope(options));
  try {
    const store = await connectStore(options, log, new AbortController().signal);
    try {
      await cleanupLocked(store, options, flags);
    } finally {
      store.destroy();
    }
  } finally {
    await lock?.release();
  }
}

async function cleanupLocked(store: S3Store, options: RunOptions, flags: CleanupFlags): Promise<void> {
  const bucketLock = flags.dryRun ? undefined : await lockBucketIfAsked(store.ownObjects, options);
  try {
    await abortStaleUploads(store, options, flags);
  } finally {
    await bucketLock?.release();
  }
}

async function abortStaleUploads(store: S3Store, options: RunOptions, flags: CleanupFlags): Promise<void> {
  const scope = { endpoint: options.endpoint, bucket: options.bucket, prefix: projectPrefixOf(options) };
  const olderThanMs = parseSeconds(flags.olderThan, '--older-than') * 1000;
  const journals = new JournalStore(options.stateDir, endpointId(options.endpoint));
  const found = await findOpenUploads(store, journals, scope);
  const stale = staleUploads(found.uploads, found.nowMs, olderThanMs);
  const dryRun = flags.dryRun ?? false;
  const print = (record: CleanupRecord): void =>
    void process.stdout.write(
      `${flags.json ? JSON.stringify(record) : describeRecord(record, dryRun, flags.olderThan)}\n`,
    );
  const { aborted, refusal } = await abortEach(stale, {
    store,
    journals,
    bucket: scope.bucket,
    dryRun,
    print,
  });
  const counts = { open: found.uploads.length, stale: stale.length, aborted };
  print({ type: 'cleanup', bucket: scope.bucket, prefix: scope.prefix, source: found.source, ...counts });
  const refused: CleanupRefusals = { listing: found.refusal, abort: refusal };
  if (found.refusal !== undefined || refusal !== undefined)
    throw refusedCleanupError(refused, scope, { dryRun, stale: stale.length, aborted });
}

/**
 * Aborts the stale uploads in turn, or with --dry-run none, printing a record for each. Stops at the first abort
 * the server refuses (405, 501), and returns its answer: a server that refuses one refuses them all.
 */
async function abortEach(
  stale: readonly OpenUpload[],
  ctx: {
    store: S3Store;
    journals: JournalStore;
    bucket: string;
    dryRun: boolean;
    print: (r: CleanupRecord) => void;
  },
): Promise<{ aborted: number; refusal?: unknown }> {
  let aborted = 0;
  for (const upload of stale) {
    if (!ctx.dryRun) {
      const refusal = await abortUpload(ctx.store, ctx.journals, ctx.bucket, upload);
      if (refusal !== undefined) return { aborted, refusal };
      aborted += 1;
    }
    const started = new Date(upload.initiatedMs).toISOString();
    const type = ctx.dryRun ? 'would-abort' : 'abort';
    ctx.print({ type, key: upload.key, upload_id: upload.uploadId, started });
  }
  return { aborted };
}

/**
 * Aborts an upload and removes the journal that names it. Returns the server's answer when it refuses the abort
 * (405, 501), with the journal kept: the upload is still open, for the next run to resume.
 * @throws UploadError when the abort fails another way.
 */
async function abortUpload(
  store: S3Store,
  journals: JournalStore,
  bucket: string,
  upload: OpenUpload,
): Promise<unknown> {
  try {
    await store.uploads.abort(bucket, upload.key, upload.uploadId);
  } catch (error) {
    if (refusesRequest(error)) return error;
    throw toUploadError(error, 'abort upload of', `s3://${bucket}/${upload.key}`);
  }
  const journal = await journals.load(bucket, upload.key);
  if (journal?.uploadId === upload.uploadId) await journals.remove(bucket, upload.key);
  return undefined;
}
