import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import { AuthError } from '../../../src/errors.js';
import type { RemoteObject, S3Store } from '../../../src/remote/s3-store.js';
import type { LogFacts } from '../../../src/verifier/decide.js';
import { HashCache } from '../../../src/content/hash-cache.js';
import { combinePartEtags } from '../../../src/content/multipart-etag.js';
import { decideUploads, type VerifyContext } from '../../../src/verifier/verify-plan.js';

const PROJECT = 'RMI25320';
const BUCKET = 'survey-bucket';
const MiB = 1024 * 1024;
/** Above the 8 MiB multipart threshold: two parts of 8 MiB and 1 MiB. */
const LARGE_BYTES = 9 * MiB;

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * A stand-in for the bucket: answers HeadObject and ListObjectsV2 from a map of objects and counts the calls,
 * the way the request counts of a real run are what the verifier is judged by.
 */
class FakeStore {
  readonly objects = new Map<string, RemoteObject>();
  readonly heads: string[] = [];
  readonly listings: string[] = [];
  failWith: unknown;

  async headObject(_bucket: string, key: string): Promise<RemoteObject | undefined> {
    this.heads.push(key);
    if (this.failWith) throw this.failWith;
    const object = this.objects.get(key);
    return object && { ...object, metadata: object.metadata ?? {} };
  }

  async *listObjects(_bucket: string, prefix: string): AsyncGenerator<RemoteObject> {
    this.listings.push(prefix);
    if (this.failWith) throw this.failWith;
    for (const [key, object] of [...this.objects].sort(([a], [b]) => a.localeCompare(b))) {
      // a listing carries no user metadata
      if (key.startsWith(prefix))
        yield { key, sizeBytes: object.sizeBytes, etag: object.etag, lastModifiedMs: object.lastModifiedMs };
    }
  }

  /** Stores `content` under the task's key as a single-request upload made an hour after its mtime. */
  put(task: UploadTask, content: Buffer, extra: Partial<RemoteObject> = {}): void {
    this.objects.set(task.key, {
      key: task.key,
      sizeBytes: content.length,
      etag: md5(content),
      lastModifiedMs: task.mtimeMs + 3_600_000,
      ...extra,
    });
  }
}

let dir: string;
let store: FakeStore;
let hashCache: HashCache;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-plan-'));
  store = new FakeStore();
  hashCache = await HashCache.load(join(dir, 'state'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a file of the project and returns its task as the planner would build it. */
async function plannedFile(group: string, relPath: string, content: Buffer): Promise<UploadTask> {
  const path = join(dir, PROJECT, group, ...relPath.split('/'));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  const info = await stat(path);
  return {
    group,
    path,
    relPath,
    key: `${PROJECT}/${group}/${relPath}`,
    sizeBytes: info.size,
    mtimeMs: Math.floor(info.mtimeMs),
  };
}

function context(overrides: Partial<VerifyContext> = {}): VerifyContext {
  return {
    store: store as unknown as S3Store,
    bucket: BUCKET,
    logged: new Map(),
    hashCache,
    force: false,
    verify: false,
    verifyLarge: false,
    signal: new AbortController().signal,
    ...overrides,
  };
}

function loggedAs(...tasks: UploadTask[]): Map<string, LogFacts> {
  return new Map(tasks.map((task) => [task.key, { sizeBytes: task.sizeBytes, mtimeMs: task.mtimeMs }]));
}

/** `count` small files spread over `groups`, each already in the bucket with the same bytes. */
async function uploadedSmallFiles(count: number, groups: readonly string[]): Promise<UploadTask[]> {
  const tasks: UploadTask[] = [];
  for (let i = 0; i < count; i++) {
    const content = randomBytes(100 + i);
    const task = await plannedFile(
      groups[i % groups.length]!,
      `file-${String(i).padStart(3, '0')}.json`,
      content,
    );
    store.put(task, content);
    tasks.push(task);
  }
  return tasks;
}

describe('decideUploads', () => {
  it('uploads everything with --force without asking the bucket', async () => {
    const tasks = await uploadedSmallFiles(3, ['config']);
    const decisions = await decideUploads(tasks, context({ force: true, logged: loggedAs(...tasks) }));
    expect([...decisions.values()]).toEqual(
      tasks.map(() => ({ action: 'upload', reason: 'forced (--force)' })),
    );
    expect(store.heads).toEqual([]);
    expect(store.listings).toEqual([]);
  });

  it('skips files the CSV log covers without a request, and asks the bucket about the rest', async () => {
    const [logged, changed, fresh] = await uploadedSmallFiles(3, ['config']);
    const decisions = await decideUploads(
      [logged!, changed!, fresh!],
      context({
        logged: new Map([
          ...loggedAs(logged!),
          [changed!.key, { sizeBytes: changed!.sizeBytes, mtimeMs: changed!.mtimeMs - 1 }],
        ]),
      }),
    );
    expect(decisions.get(logged!)).toEqual({
      action: 'skip',
      reason: 'upload log: sent earlier with the same size and mtime',
    });
    expect(decisions.get(changed!)).toEqual({ action: 'skip', reason: 'md5 matches the ETag' });
    expect(store.heads.sort()).toEqual([changed!.key, fresh!.key].sort());
    expect(store.listings).toEqual([]);
  });

  it('with --verify asks the bucket about logged files too, one HeadObject each for 50 files', async () => {
    const tasks = await uploadedSmallFiles(50, ['reels', 'config']);
    const decisions = await decideUploads(tasks, context({ verify: true, logged: loggedAs(...tasks) }));
    for (const decision of decisions.values())
      expect(decision).toEqual({ action: 'skip', reason: 'md5 matches the ETag' });
    expect(store.heads).toHaveLength(50);
    expect(store.listings).toEqual([]);
  });

  it('lists each folder-type prefix once for more than 50 files and heads no small file', async () => {
    const tasks = await uploadedSmallFiles(60, ['reels', 'config', 'logs']);
    const missing = await plannedFile('logs', 'late.log', randomBytes(10));
    const decisions = await decideUploads([...tasks, missing], context());
    expect(store.listings.sort()).toEqual([`${PROJECT}/config/`, `${PROJECT}/logs/`, `${PROJECT}/reels/`]);
    expect(store.heads).toEqual([]);
    for (const task of tasks)
      expect(decisions.get(task)).toEqual({ action: 'skip', reason: 'md5 matches the ETag' });
    expect(decisions.get(missing)).toEqual({ action: 'upload', reason: 'new: not in the bucket' });
  });

  it('in a dry run without a store uploads what the log does not cover, sending nothing', async () => {
    const [logged, other] = await uploadedSmallFiles(2, ['config']);
    const decisions = await decideUploads(
      [logged!, other!],
      context({ store: undefined, logged: loggedAs(logged!) }),
    );
    expect(decisions.get(logged!)?.action).toBe('skip');
    expect(decisions.get(other!)).toEqual({
      action: 'upload',
      reason: 'not in the upload log; bucket not checked in a dry run (add --verify)',
    });
    expect(store.heads).toEqual([]);
  });

  it('uploads a small file whose bytes differ at the same size, by its MD5', async () => {
    const task = await plannedFile('report', 'daily.md', randomBytes(500));
    store.put(task, randomBytes(500));
    const decisions = await decideUploads([task], context());
    expect(decisions.get(task)).toEqual({ action: 'upload', reason: 'md5 differs from the ETag' });
  });

  it('decides a different size without reading the file', async () => {
    const task = await plannedFile('report', 'daily.md', randomBytes(500));
    store.put(task, randomBytes(501));
    const decisions = await decideUploads([task], context());
    expect(decisions.get(task)).toEqual({
      action: 'upload',
      reason: 'size differs (local 500, remote 501 bytes)',
    });
    expect(hashCache.get(task.path, task)).toBeUndefined();
  });

  it('uses the digests in the hash cache instead of reading the file again', async () => {
    const task = await plannedFile('config', 'survey.yaml', randomBytes(64));
    const remote = randomBytes(64);
    store.put(task, remote);
    // the cache claims the file hashes to what the bucket holds: only a decision that trusts it skips
    hashCache.set(task.path, task, { sha256: sha256(remote), md5: md5(remote) });
    const decisions = await decideUploads([task], context());
    expect(decisions.get(task)).toEqual({ action: 'skip', reason: 'md5 matches the ETag' });
  });

  it('records the digests it computes in the hash cache', async () => {
    const content = randomBytes(300);
    const task = await plannedFile('config', 'notes.txt', content);
    store.put(task, content);
    await decideUploads([task], context());
    expect(hashCache.get(task.path, task)).toEqual({ sha256: sha256(content), md5: md5(content) });
  });

  describe('large files', () => {
    it('without --verify-large are judged by time, never read', async () => {
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', randomBytes(LARGE_BYTES));
      store.put(task, randomBytes(LARGE_BYTES));
      const decisions = await decideUploads([task], context());
      expect(decisions.get(task)).toEqual({
        action: 'skip',
        reason: 'same size and the remote copy is newer',
      });
      expect(hashCache.get(task.path, task)).toBeUndefined();
    });

    it('without --verify-large follow the mtime recorded at upload when there is one', async () => {
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', randomBytes(LARGE_BYTES));
      store.put(task, randomBytes(LARGE_BYTES), { metadata: { 'mtime-ms': String(task.mtimeMs - 1) } });
      const decisions = await decideUploads([task], context());
      expect(decisions.get(task)).toEqual({
        action: 'upload',
        reason: 'mtime differs from the one recorded at upload',
      });
    });

    it('with --verify-large compare SHA-256 with x-amz-meta-sha256', async () => {
      const content = randomBytes(LARGE_BYTES);
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', content);
      store.put(task, content, { etag: `${'0'.repeat(32)}-2`, metadata: { sha256: sha256(content) } });
      const decisions = await decideUploads([task], context({ verifyLarge: true }));
      expect(decisions.get(task)).toEqual({ action: 'skip', reason: 'sha256 matches x-amz-meta-sha256' });
      expect(hashCache.get(task.path, task)?.sha256).toBe(sha256(content));
    });

    it('with --verify-large compare the multipart ETag of the local parts', async () => {
      const content = randomBytes(LARGE_BYTES);
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', content);
      const etag = combinePartEtags([md5(content.subarray(0, 8 * MiB)), md5(content.subarray(8 * MiB))])!;
      store.put(task, content, { etag });
      const same = await decideUploads([task], context({ verifyLarge: true }));
      expect(same.get(task)).toEqual({
        action: 'skip',
        reason: 'multipart ETag matches the local part MD5s',
      });

      store.put(task, content, {
        etag: combinePartEtags([md5(content.subarray(0, 8 * MiB)), md5(Buffer.from('other'))])!,
      });
      const different = await decideUploads([task], context({ verifyLarge: true }));
      expect(different.get(task)).toEqual({
        action: 'upload',
        reason: 'multipart ETag differs from the local part MD5s',
      });
    });

    it('with --verify-large compare the whole-file MD5 when the object was stored in one request', async () => {
      const content = randomBytes(LARGE_BYTES);
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', content);
      store.put(task, content);
      const same = await decideUploads([task], context({ verifyLarge: true }));
      expect(same.get(task)).toEqual({ action: 'skip', reason: 'md5 matches the ETag' });

      // same size, other bytes, written after the local file: the time tier alone would skip it
      store.put(task, randomBytes(LARGE_BYTES));
      const changed = await decideUploads([task], context({ verifyLarge: true }));
      expect(changed.get(task)).toEqual({ action: 'upload', reason: 'md5 differs from the ETag' });
    });

    it('with a listing, are the only files headed for their metadata', async () => {
      const small = await uploadedSmallFiles(55, ['reels', 'config']);
      const content = randomBytes(LARGE_BYTES);
      const large = await plannedFile('reels', 'R001/R001_cam1.mp4', content);
      store.put(large, content, { etag: `${'0'.repeat(32)}-2`, metadata: { sha256: sha256(content) } });
      const decisions = await decideUploads([...small, large], context({ verifyLarge: true }));
      expect(store.listings.sort()).toEqual([`${PROJECT}/config/`, `${PROJECT}/reels/`]);
      expect(store.heads).toEqual([large.key]);
      expect(decisions.get(large)).toEqual({ action: 'skip', reason: 'sha256 matches x-amz-meta-sha256' });
    });
  });

  it('turns a failed lookup into the project error for it, naming the bucket', async () => {
    const tasks = await uploadedSmallFiles(2, ['config']);
    store.failWith = Object.assign(new Error('Access Denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const failure = decideUploads(tasks, context());
    await expect(failure).rejects.toThrow(AuthError);
    await expect(failure).rejects.toThrow(`check existing objects in ${BUCKET}`);
  });
});
