import pLimit from 'p-limit';
import type { UploadTask } from '../collector/plan-upload.js';
import { UploadError } from '../errors.js';
import { toUploadError } from '../remote/classify-error.js';
import type { RemoteObject, S3Store } from '../remote/s3-store.js';
import { getTransferConfig } from '../transfer/transfer-config.js';
import { decideFromLog, decideFromRemote, type Decision, type LocalFacts, type LogFacts } from './decide.js';
import { hashFile } from '../content/file-hash.js';
import type { HashCache } from '../content/hash-cache.js';
import { fileMultipartEtag, isPlainMd5 } from '../content/multipart-etag.js';

/** Up to this many files are checked with one HeadObject each; more, and the prefix is listed. */
const HEAD_LIMIT = 50;

/** What the verifier may use to decide. */
export interface VerifyContext {
  store?: S3Store | undefined;
  bucket: string;
  logged: ReadonlyMap<string, LogFacts>;
  hashCache: HashCache;
  force: boolean;
  /** Ask the bucket even for files the CSV log covers. */
  verify: boolean;
  /** Hash large files to compare them by content (x-amz-meta-sha256 or multipart ETag). */
  verifyLarge: boolean;
  signal: AbortSignal;
}

/**
 * Decides, for every planned file, skip or upload and why: the CSV log first (no requests),
 * then the bucket, by HeadObject for a few files or one ListObjectsV2 per 1,000 keys for many.
 * Without a store (a dry run without --verify) files the log does not cover are 'upload'.
 */
export async function decideUploads(
  tasks: readonly UploadTask[],
  ctx: VerifyContext,
): Promise<Map<UploadTask, Decision>> {
  const decisions = new Map<UploadTask, Decision>();
  if (ctx.force) {
    for (const task of tasks) decisions.set(task, { action: 'upload', reason: 'forced (--force)' });
    return decisions;
  }
  const open: UploadTask[] = [];
  for (const task of tasks) {
    const fromLog = ctx.verify ? undefined : decideFromLog(task, ctx.logged.get(task.key));
    if (fromLog) decisions.set(task, fromLog);
    else open.push(task);
  }
  if (open.length === 0) return decisions;
  if (!ctx.store) {
    for (const task of open)
      decisions.set(task, { action: 'upload', reason: dryRunReason(ctx.logged.has(task.key)) });
    return decisions;
  }
  const remote = await lookupRemote(open, ctx.store, ctx);
  const limit = pLimit(4);
  await Promise.all(
    open.map((task) =>
      limit(async () => decisions.set(task, await decideOne(task, remote.get(task.key), ctx))),
    ),
  );
  return decisions;
}

async function lookupRemote(
  tasks: UploadTask[],
  store: S3Store,
  ctx: VerifyContext,
): Promise<Map<string, RemoteObject>> {
  try {
    return tasks.length <= HEAD_LIMIT
      ? await headEach(tasks, store, ctx)
      : await listPrefixes(tasks, store, ctx);
  } catch (error) {
    throw toUploadError(error, 'check existing objects in', ctx.bucket);
  }
}

async function headEach(
  tasks: UploadTask[],
  store: S3Store,
  ctx: VerifyContext,
): Promise<Map<string, RemoteObject>> {
  const found = new Map<string, RemoteObject>();
  const limit = pLimit(8);
  await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        const object = await store.headObject(ctx.bucket, task.key, ctx.signal);
        if (object) found.set(task.key, object);
      }),
    ),
  );
  return found;
}

/** One listing per common folder prefix: `{prefix}{project}/{type}/` covers a whole folder type. */
async function listPrefixes(
  tasks: UploadTask[],
  store: S3Store,
  ctx: VerifyContext,
): Promise<Map<string, RemoteObject>> {
  const wanted = new Set(tasks.map((t) => t.key));
  const found = new Map<string, RemoteObject>();
  for (const prefix of commonPrefixes(tasks)) {
    for await (const object of store.listObjects(ctx.bucket, prefix, ctx.signal)) {
      if (wanted.has(object.key)) found.set(object.key, object);
    }
  }
  return found;
}

function commonPrefixes(tasks: UploadTask[]): string[] {
  const prefixes = new Set<string>();
  for (const task of tasks) {
    const cut = task.key.length - task.relPath.normalize('NFC').length;
    prefixes.add(task.key.slice(0, Math.max(0, cut)));
  }
  return [...prefixes];
}

async function decideOne(
  task: UploadTask,
  remote: RemoteObject | undefined,
  ctx: VerifyContext,
): Promise<Decision> {
  if (!remote || remote.sizeBytes !== task.sizeBytes) return decideFromRemote(task, remote);
  try {
    const { facts, compared } = await gatherLocalFacts(task, remote, ctx);
    return decideFromRemote(facts, compared);
  } catch (error) {
    if (error instanceof UploadError)
      return { action: 'upload', reason: `could not compare (${error.message})` };
    throw error;
  }
}

async function headFor(task: UploadTask, listed: RemoteObject, ctx: VerifyContext): Promise<RemoteObject> {
  if (listed.metadata) return listed;
  return (await ctx.store?.headObject(ctx.bucket, task.key, ctx.signal)) ?? listed;
}

/**
 * Digests worth computing for a file whose remote copy has the same size: MD5 and SHA-256 for
 * small files (cheap, and the listing's ETag is their MD5); for large files only with
 * --verify-large: SHA-256 to compare with x-amz-meta-sha256, else the MD5 when the object was
 * stored in one request, else the multipart ETag.
 */
async function gatherLocalFacts(
  task: UploadTask,
  remote: RemoteObject,
  ctx: VerifyContext,
): Promise<{ facts: LocalFacts; compared: RemoteObject }> {
  const plan = getTransferConfig(task.sizeBytes);
  const cached = ctx.hashCache.get(task.path, task);
  if (!plan.multipart) {
    const digests = cached?.md5 ? cached : await hashFile(task.path, task, { md5: true, signal: ctx.signal });
    ctx.hashCache.set(task.path, task, digests);
    return { facts: { ...task, ...digests }, compared: remote };
  }
  if (!ctx.verifyLarge) return { facts: task, compared: remote };
  const head = await headFor(task, remote, ctx);
  if (head.metadata?.sha256) {
    const digests = cached ?? (await hashFile(task.path, task, { signal: ctx.signal }));
    ctx.hashCache.set(task.path, task, digests);
    return { facts: { ...task, ...digests }, compared: head };
  }
  if (isPlainMd5(head.etag)) {
    // stored in one request (another tool, or a copy): its ETag is the whole file's MD5
    const digests = cached?.md5 ? cached : await hashFile(task.path, task, { md5: true, signal: ctx.signal });
    ctx.hashCache.set(task.path, task, digests);
    return { facts: { ...task, ...digests }, compared: head };
  }
  const multipartEtag = await fileMultipartEtag(task.path, task.sizeBytes, plan.partSizeBytes, ctx.signal);
  return { facts: { ...task, multipartEtag }, compared: head };
}

function dryRunReason(logged: boolean): string {
  const why = logged ? 'changed since the upload log entry (size or mtime)' : 'not in the upload log';
  return `${why}; bucket not checked in a dry run (add --verify)`;
}
