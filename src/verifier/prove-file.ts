import { createHash } from 'node:crypto';
import type { UploadTask } from '../collector/plan-upload.js';
import { crcFile, hashFile } from '../content/file-hash.js';
import type { HashCache } from '../content/hash-cache.js';
import { UploadError } from '../errors.js';
import { toUploadError } from '../remote/classify-error.js';
import type { RemoteObject } from '../remote/remote-object.js';
import { nextStep, type Facts, type Finding, type Need, type ProofPolicy } from './decide.js';
import type { ObjectReader } from './object-reader.js';
import { digestParts } from './part-digests.js';

/** What proving a file may use: the bucket (read only), the hash cache, and the run's cancel signal. */
export interface ProofContext {
  reader: ObjectReader;
  bucket: string;
  hashCache: HashCache;
  signal: AbortSignal;
}

/** Each step adds a fact, and there are only so many facts: more steps than this is a bug, not a slow file. */
const MAX_STEPS = 16;

/**
 * Runs the decision procedure for one file, gathering each fact it asks for: a HeadObject, local digests (from the
 * hash cache when it has them), part digests, HeadObject of part 1, a download. `listed` is what the lookup found
 * (a listing entry, a HeadObject, or nothing). A local file that cannot be read gives 'unproven'.
 * @throws RemoteError/AuthError when the bucket cannot be read; AbortError when cancelled.
 */
export async function proveFile(
  task: UploadTask,
  listed: RemoteObject | undefined,
  ctx: ProofContext,
  policy: ProofPolicy,
): Promise<Finding> {
  const cached = ctx.hashCache.get(task.path, task);
  const facts: Facts = {
    local: { sizeBytes: task.sizeBytes, mtimeMs: task.mtimeMs, ...cached },
    remote: listed,
  };
  try {
    for (let steps = 0; steps < MAX_STEPS; steps++) {
      const step = nextStep(facts, policy);
      if (!('need' in step)) return step;
      await gather(step, facts, task, ctx);
    }
  } catch (error) {
    if (error instanceof UploadError && error.kind === 'source') {
      return { verdict: 'unproven', reason: `could not compare (${error.message})` };
    }
    throw error;
  }
  throw new Error(`prove ${task.key}: no verdict after ${MAX_STEPS} steps`);
}

async function gather(step: Need, facts: Facts, task: UploadTask, ctx: ProofContext): Promise<void> {
  switch (step.need) {
    case 'head':
      facts.remote = await fromBucket(task, ctx, (signal) =>
        ctx.reader.headObject(ctx.bucket, task.key, signal),
      );
      return;
    case 'first-part': {
      const part = await fromBucket(task, ctx, (s) => ctx.reader.headObjectPart(ctx.bucket, task.key, 1, s));
      if (part) facts.firstPart = part;
      else facts.remote = undefined;
      return;
    }
    case 'local-digests': {
      const digests = await hashFile(task.path, task, { md5: step.md5, signal: ctx.signal });
      ctx.hashCache.set(task.path, task, digests);
      facts.local = { ...facts.local, ...ctx.hashCache.get(task.path, task) };
      return;
    }
    case 'local-crc': {
      const crc = await crcFile(task.path, task, step.name, ctx.signal);
      facts.local = { ...facts.local, crcs: { ...facts.local.crcs, [step.name]: crc } };
      return;
    }
    case 'part-digests': {
      const parts = await digestParts(task.path, task, step.partSizeBytes, ctx.signal);
      facts.local = { ...facts.local, parts: [...(facts.local.parts ?? []), parts] };
      return;
    }
    case 'download':
      facts.downloaded = await downloadSha256(task, ctx);
      return;
  }
}

async function fromBucket<T>(
  task: UploadTask,
  ctx: ProofContext,
  read: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await read(ctx.signal);
  } catch (error) {
    throw toUploadError(error, 'check', `s3://${ctx.bucket}/${task.key}`);
  }
}

/** Hashes the object's bytes as they stream in; a failed read is reported, not thrown, so the file stays 'unproven'. */
async function downloadSha256(task: UploadTask, ctx: ProofContext): Promise<Facts['downloaded']> {
  try {
    const hash = createHash('sha256');
    for await (const chunk of await ctx.reader.getObjectStream(ctx.bucket, task.key, ctx.signal))
      hash.update(chunk);
    return { sha256: hash.digest('hex') };
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    return { unavailable: toUploadError(error, 'download', task.key).message };
  }
}
