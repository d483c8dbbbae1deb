import pLimit from 'p-limit';
import type { UploadTask } from '../collector/plan-upload.js';
import type { HashCache } from '../content/hash-cache.js';
import { decideFromLog, toDecision, type Decision, type LogFacts } from './decide.js';
import { lookupRemote, type Lookup } from './lookup-remote.js';
import type { ObjectReader } from './object-reader.js';
import { proveFile } from './prove-file.js';

/** Up to this many files are looked up with one HeadObject each; more, and their prefixes are listed. */
const HEAD_LIMIT = 50;

/** Files proved at once: each may read a file from disk while it waits for the bucket. */
const FILES_AT_ONCE = 4;

/** What the verifier may use to decide. */
export interface VerifyContext {
  store?: ObjectReader | undefined;
  bucket: string;
  logged: ReadonlyMap<string, LogFacts>;
  hashCache: HashCache;
  force: boolean;
  /** Ask the bucket even for files the CSV log covers. */
  verify: boolean;
  /** upload --check: ignore the CSV log, and skip only on content proof (or the recorded mtime when nothing can prove it). */
  check?: boolean | undefined;
  signal: AbortSignal;
}

/**
 * Decides, for every planned file, skip or upload and why: the CSV log first (no requests; not with --verify or
 * --check), then the bucket, by HeadObject for a few files or by listing their prefixes for many. Either lookup
 * gives the same decisions. Without a store (a dry run without --verify) files the log does not cover are 'upload'.
 * @throws RemoteError/AuthError when the bucket cannot be read.
 */
export async function decideUploads(
  tasks: readonly UploadTask[],
  ctx: VerifyContext,
): Promise<Map<UploadTask, Decision>> {
  return decideWith(tasks, ctx, tasks.length <= HEAD_LIMIT ? 'head-each' : 'list-prefixes');
}

/** {@link decideUploads} with the lookup chosen by the caller. */
export async function decideWith(
  tasks: readonly UploadTask[],
  ctx: VerifyContext,
  lookup: Lookup,
): Promise<Map<UploadTask, Decision>> {
  const decisions = new Map<UploadTask, Decision>();
  if (ctx.force) {
    for (const task of tasks) decisions.set(task, { action: 'upload', reason: 'forced (--force)' });
    return decisions;
  }
  const open: UploadTask[] = [];
  const trustLog = !ctx.verify && !ctx.check;
  for (const task of tasks) {
    const fromLog = trustLog ? decideFromLog(task, ctx.logged.get(task.key)) : undefined;
    if (fromLog) decisions.set(task, fromLog);
    else open.push(task);
  }
  if (open.length === 0) return decisions;
  const { store } = ctx;
  if (!store) {
    for (const task of open)
      decisions.set(task, { action: 'upload', reason: dryRunReason(ctx.logged.has(task.key)) });
    return decisions;
  }
  const proof = { reader: store, bucket: ctx.bucket, hashCache: ctx.hashCache, signal: ctx.signal };
  const found = await lookupRemote(open, lookup, proof);
  const policy = ctx.check ? 'upload-check' : 'upload';
  const limit = pLimit(FILES_AT_ONCE);
  await Promise.all(
    open.map((task) =>
      limit(async () =>
        decisions.set(task, toDecision(await proveFile(task, found.get(task.key), proof, policy))),
      ),
    ),
  );
  return decisions;
}

function dryRunReason(logged: boolean): string {
  const why = logged ? 'changed since the upload log entry (size or mtime)' : 'not in the upload log';
  return `${why}; bucket not checked in a dry run (add --verify)`;
}
