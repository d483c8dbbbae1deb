import { sameEtag } from '../content/etag.js';
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
  /** By key, the ETag of an object the check after its upload found other than the file (see UploadLogIndex). */
  mismatched?: ReadonlyMap<string, string> | undefined;
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
 * gives the same decisions. A store is needed unless --force or the log settles every file (see `isSettledByLog`).
 * Returns the decisions in the order of `tasks`: an array, where a map by task would cost some 40 bytes per file.
 * @throws RemoteError/AuthError when the bucket cannot be read; Error when a file needs the bucket and there is no store.
 */
export async function decideUploads(tasks: readonly UploadTask[], ctx: VerifyContext): Promise<Decision[]> {
  return decideWith(tasks, ctx, tasks.length <= HEAD_LIMIT ? 'head-each' : 'list-prefixes');
}

/**
 * Whether the CSV log alone settles every planned file as a skip, so that deciding (and the run) needs nothing
 * from the bucket: never with --force, --verify or --check, which ask for more than the log.
 */
export function isSettledByLog(
  tasks: readonly UploadTask[],
  ctx: Pick<VerifyContext, 'logged' | 'force' | 'verify' | 'check'>,
): boolean {
  if (ctx.force || !trustsLog(ctx)) return false;
  return tasks.every((task) => decideFromLog(task, ctx.logged.get(task.key)) !== undefined);
}

function trustsLog(ctx: Pick<VerifyContext, 'verify' | 'check'>): boolean {
  return !ctx.verify && !ctx.check;
}

/** {@link decideUploads} with the lookup chosen by the caller. */
export async function decideWith(
  tasks: readonly UploadTask[],
  ctx: VerifyContext,
  lookup: Lookup,
): Promise<Decision[]> {
  if (ctx.force) return tasks.map(() => FORCED);
  const trustLog = trustsLog(ctx);
  const decisions = tasks.map((task) =>
    trustLog ? decideFromLog(task, ctx.logged.get(task.key)) : undefined,
  );
  const open = indexesOf(decisions, undefined);
  if (open.length > 0) await decideOpen(tasks, open, decisions, ctx, lookup);
  if (!decisions.every((decision) => decision !== undefined))
    throw new Error('decide uploads: a planned file was left without a decision');
  return decisions;
}

/** Fills in the decisions at `open`, which the log does not settle, from the bucket. */
async function decideOpen(
  tasks: readonly UploadTask[],
  open: readonly number[],
  decisions: (Decision | undefined)[],
  ctx: VerifyContext,
  lookup: Lookup,
): Promise<void> {
  const { store } = ctx;
  if (!store) throw new Error('decide uploads: files the upload log does not settle need the bucket');
  const proof = { reader: store, bucket: ctx.bucket, hashCache: ctx.hashCache, signal: ctx.signal };
  const found = await lookupRemote(
    open.map((i) => tasks[i]!),
    lookup,
    proof,
  );
  const policy = ctx.check ? 'upload-check' : 'upload';
  // a file the bucket lacks needs no fact gathered: decided at once, by the same procedure, with one object
  const missing = decideMissing(policy);
  const listed: number[] = [];
  for (const i of open) {
    const remote = found.get(tasks[i]!.key);
    if (!remote) decisions[i] = missing;
    else if (sameEtag(remote.etag, ctx.mismatched?.get(tasks[i]!.key)))
      decisions[i] = failedCheck(remote.etag);
    else listed.push(i);
  }
  await forEachAtMost(listed, FILES_AT_ONCE, async (i) => {
    const task = tasks[i]!;
    decisions[i] = toDecision(await proveFile(task, found.get(task.key), proof, policy));
  });
}

function indexesOf<T>(items: readonly T[], value: T): number[] {
  const indexes: number[] = [];
  items.forEach((item, i) => {
    if (item === value) indexes.push(i);
  });
  return indexes;
}

/**
 * The decision for a file whose object the check after its upload found other than the file: its recorded size
 * and mtime (what a rerun skips by) are the file's, its bytes are not.
 */
function failedCheck(etag: string): Decision {
  return {
    action: 'upload',
    reason: `the last upload found the stored object (ETag ${etag}) not as asked: other bytes, or without a setting asked for`,
  };
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

// shared by every file it applies to: a forced run of 100,000 files allocates no decision
const FORCED: Decision = Object.freeze({ action: 'upload', reason: 'forced (--force)' });
