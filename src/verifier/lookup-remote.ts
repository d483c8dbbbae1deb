import pLimit from 'p-limit';
import type { UploadTask } from '../collector/plan-upload.js';
import { refusesRequest } from '../remote/answer-fields.js';
import { toUploadError } from '../remote/classify-error.js';
import type { RemoteObject } from '../remote/remote-object.js';
import type { ProofContext } from './prove-file.js';

/** How planned keys are looked up: one HeadObject each, or one ListObjectsV2 per 1,000 keys under their prefixes. */
export type Lookup = 'head-each' | 'list-prefixes';

/** HeadObject requests in flight at once. */
const HEADS_AT_ONCE = 8;

/**
 * The objects the planned keys name, as the lookup finds them: HeadObject answers (with metadata) or listing
 * entries (without), or HeadObject answers where the server does not list (405, 501). Keys not in the bucket are
 * absent.
 * @throws RemoteError/AuthError naming the bucket when it cannot be read.
 */
export async function lookupRemote(
  tasks: readonly UploadTask[],
  lookup: Lookup,
  ctx: Omit<ProofContext, 'hashCache'>,
): Promise<Map<string, RemoteObject>> {
  try {
    const listed = lookup === 'list-prefixes' ? await listWanted(tasks, ctx) : undefined;
    if (listed instanceof Map) return listed;
    // a server that does not list (405, 501) answers HeadObject: the same decisions, a request per file
    return await headEach(tasks, ctx);
  } catch (error) {
    throw toUploadError(error, 'check existing objects in', ctx.bucket);
  }
}

/** The planned keys' objects from listings of their prefixes, or `refused` by a server that does not list. */
async function listWanted(
  tasks: readonly UploadTask[],
  ctx: Omit<ProofContext, 'hashCache'>,
): Promise<Map<string, RemoteObject> | 'refused'> {
  const wanted = new Set(tasks.map((t) => t.key));
  try {
    const listed = await listUnder(plannedPrefixes(tasks), ctx);
    return new Map([...listed].filter(([key]) => wanted.has(key)));
  } catch (error) {
    if (!ctx.signal.aborted && refusesRequest(error)) return 'refused';
    throw error;
  }
}

async function headEach(
  tasks: readonly UploadTask[],
  ctx: Omit<ProofContext, 'hashCache'>,
): Promise<Map<string, RemoteObject>> {
  const found = new Map<string, RemoteObject>();
  const limit = pLimit(HEADS_AT_ONCE);
  await Promise.all(
    tasks.map((task) =>
      limit(async () => {
        const object = await ctx.reader.headObject(ctx.bucket, task.key, ctx.signal);
        if (object) found.set(task.key, object);
      }),
    ),
  );
  return found;
}

/**
 * Every object under `prefixes`, by key, from listings (no metadata).
 * @throws the store's error.
 */
export async function listUnder(
  prefixes: readonly string[],
  ctx: Omit<ProofContext, 'hashCache'>,
): Promise<Map<string, RemoteObject>> {
  const found = new Map<string, RemoteObject>();
  for (const prefix of prefixes) {
    for await (const object of ctx.reader.listObjects(ctx.bucket, prefix, ctx.signal))
      found.set(object.key, object);
  }
  return found;
}

/**
 * The folders the planned keys live in, one per folder type (and timestamp): `{prefix}{project}/{type}/[{ts}/]`,
 * the key with its file's relative path cut off.
 */
export function plannedPrefixes(tasks: readonly UploadTask[]): string[] {
  const prefixes = new Set<string>();
  for (const task of tasks) {
    const cut = task.key.length - task.relPath.normalize('NFC').length;
    prefixes.add(task.key.slice(0, Math.max(0, cut)));
  }
  return [...prefixes];
}
