import type { UploadTask } from '../collector/plan-upload.js';
import type { HashCache } from '../content/hash-cache.js';
import {
  decideFromLog,
  nextStep,
  toDecision,
  type Decision,
  type LogFacts,
  type ProofPolicy,
} from './decide.js';
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
    for (const task of tasks) decisions.set(task, FORCED);
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
    for (const task of open) decisions.set(task, ctx.logged.has(task.key) ? DRY_RUN_CHANGED : DRY_RUN_NEW);
    return decisions;
  }
  const proof = { reader: store, bucket: ctx.bucket, hashCache: ctx.hashCache, signal: ctx.signal };
  const found = await lookupRemote(open, lookup, proof);
  const policy = ctx.check ? 'upload-check' : 'upload';
  // a file the bucket lacks needs no fact gathered: decided at once, by the same procedure, with one object
  const missing = decideMissing(policy);
  const listed: UploadTask[] = [];
  for (const task of open) {
    if (found.has(task.key)) listed.push(task);
    else decisions.set(task, missing);
  }
  await forEachAtMost(listed, FILES_AT_ONCE, async (task) => {
    decisions.set(task, toDecision(await proveFile(task, found.get(task.key), proof, policy)));
  });
  return decisions;
}

/** The decision for a file the bucket does not hold, as {@link nextStep} makes it. */
function decideMissing(policy: ProofPolicy): Decision {
  const step = nextStep({ local: { sizeBytes: 0, mtimeMs: 0 }, remote: undefined }, policy);
  if ('need' in step) throw new Error(`decide a missing object: the procedure asks for ${step.need}`);
  return Object.freeze(toDecision(step));
}

/**
 * Runs `work` on every item, at most `atOnce` at a time, in order; rejects with the first error (items not yet
 * started are then left). A fixed set of workers instead of one promise per item: 100,000 items cost no more
 * memory than 4.
 */
async function forEachAtMost<T>(
  items: readonly T[],
  atOnce: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      await work(item).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
}

// shared by every file they apply to: a dry run of 100,000 files allocates no decision
const FORCED: Decision = Object.freeze({ action: 'upload', reason: 'forced (--force)' });
const DRY_RUN_NEW: Decision = Object.freeze({
  action: 'upload',
  reason: 'not in the upload log; bucket not checked in a dry run (add --verify)',
});
const DRY_RUN_CHANGED: Decision = Object.freeze({
  action: 'upload',
  reason:
    'changed since the upload log entry (size or mtime); bucket not checked in a dry run (add --verify)',
});
