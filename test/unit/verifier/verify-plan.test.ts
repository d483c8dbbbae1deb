import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import { HashCache } from '../../../src/content/hash-cache.js';
import { AuthError } from '../../../src/errors.js';
import type { LogFacts } from '../../../src/verifier/decide.js';
import { decideUploads, isSettledByLog, type VerifyContext } from '../../../src/verifier/verify-plan.js';
import { FakeBucket, md5Hex, sha256Hex } from './fake-bucket.js';

const PROJECT = 'RMI25320';
const BUCKET = 'survey-bucket';
const MiB = 1024 * 1024;
/** Above the 8 MiB multipart threshold: two parts of 8 MiB and 1 MiB. */
const LARGE_BYTES = 9 * MiB;

let dir: string;
let store: FakeBucket;
let hashCache: HashCache;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-plan-'));
  store = new FakeBucket();
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
    store,
    bucket: BUCKET,
    logged: new Map(),
    hashCache,
    force: false,
    verify: false,
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
    store.put(task.key, content, { metadata: { 'mtime-ms': String(task.mtimeMs) } });
    tasks.push(task);
  }
  return tasks;
}

describe('decideUploads', () => {
  it('uploads everything with --force without asking the bucket', async () => {
    const tasks = await uploadedSmallFiles(3, ['config']);
    const decisions = await decideUploads(tasks, context({ force: true, logged: loggedAs(...tasks) }));
    expect(decisions).toEqual(tasks.map(() => ({ action: 'upload', reason: 'forced (--force)' })));
    expect(store.requests).toEqual([]);
  });

  it('skips files the CSV log covers without a request, and asks the bucket about the rest', async () => {
    const [logged, changed, fresh] = await uploadedSmallFiles(3, ['config']);
    const [byLog, byBucket] = await decideUploads(
      [logged!, changed!, fresh!],
      context({
        logged: new Map([
          ...loggedAs(logged!),
          [changed!.key, { sizeBytes: changed!.sizeBytes, mtimeMs: changed!.mtimeMs - 1 }],
        ]),
      }),
    );
    expect(byLog).toEqual({
      action: 'skip',
      reason: 'upload log: sent earlier with the same size and mtime',
    });
    expect(byBucket).toEqual({ action: 'skip', reason: 'content matches (MD5 = ETag)' });
    expect(store.requests.sort()).toEqual([`head ${changed!.key}`, `head ${fresh!.key}`].sort());
  });

  it('with --check ignores the log and re-sends a logged file whose stored copy differs', async () => {
    const [kept, corrupted] = await uploadedSmallFiles(2, ['config']);
    store.put(corrupted!.key, randomBytes(corrupted!.sizeBytes), {
      metadata: { 'mtime-ms': String(corrupted!.mtimeMs) },
    });
    const [keptDecision, corruptedDecision] = await decideUploads(
      [kept!, corrupted!],
      context({ check: true, logged: loggedAs(kept!, corrupted!) }),
    );
    expect(keptDecision).toEqual({ action: 'skip', reason: 'content matches (MD5 = ETag)' });
    expect(corruptedDecision).toEqual({ action: 'upload', reason: 'content differs (MD5 != ETag)' });
  });

  it('with --verify asks the bucket about logged files too, one HeadObject each for 50 files', async () => {
    const tasks = await uploadedSmallFiles(50, ['reels', 'config']);
    const decisions = await decideUploads(tasks, context({ verify: true, logged: loggedAs(...tasks) }));
    expect(decisions).toHaveLength(50);
    for (const decision of decisions)
      expect(decision).toEqual({ action: 'skip', reason: 'content matches (MD5 = ETag)' });
    expect(store.count('head')).toBe(50);
    expect(store.count('list')).toBe(0);
  });

  it('lists each folder-type prefix once for more than 50 files and heads no small file whose MD5 matches', async () => {
    const tasks = await uploadedSmallFiles(60, ['reels', 'config', 'logs']);
    const missing = await plannedFile('logs', 'late.log', randomBytes(10));
    const decisions = await decideUploads([...tasks, missing], context());
    const missingDecision = decisions.pop();
    expect(store.requests.sort()).toEqual([
      `list ${PROJECT}/config/`,
      `list ${PROJECT}/logs/`,
      `list ${PROJECT}/reels/`,
    ]);
    expect(decisions).toEqual(tasks.map(() => ({ action: 'skip', reason: 'content matches (MD5 = ETag)' })));
    expect(missingDecision).toEqual({ action: 'upload', reason: 'new: not in the bucket' });
  });

  it('without a store decides what the log settles, and refuses to guess at a file the log does not cover', async () => {
    const [logged, other] = await uploadedSmallFiles(2, ['config']);
    const settled = await decideUploads([logged!], context({ store: undefined, logged: loggedAs(logged!) }));
    expect(settled.map((decision) => decision.action)).toEqual(['skip']);
    await expect(
      decideUploads([logged!, other!], context({ store: undefined, logged: loggedAs(logged!) })),
    ).rejects.toThrow('files the upload log does not settle need the bucket');
    expect(store.requests).toEqual([]);
  });

  it('decides a different size without reading the file', async () => {
    const task = await plannedFile('report', 'daily.md', randomBytes(500));
    store.put(task.key, randomBytes(501));
    const decisions = await decideUploads([task], context());
    expect(decisions).toEqual([
      {
        action: 'upload',
        reason: 'size differs (local 500, remote 501 bytes)',
      },
    ]);
    expect(hashCache.get(task.path, task)).toBeUndefined();
  });

  it('uses the digests in the hash cache instead of reading the file again, and records those it computes', async () => {
    const task = await plannedFile('config', 'survey.yaml', randomBytes(64));
    const remote = randomBytes(64);
    store.put(task.key, remote);
    // the cache claims the file hashes to what the bucket holds: only a decision that trusts it skips
    hashCache.set(task.path, task, { sha256: sha256Hex(remote), md5: md5Hex(remote) });
    expect((await decideUploads([task], context()))[0]?.action).toBe('skip');

    const content = randomBytes(300);
    const other = await plannedFile('config', 'notes.txt', content);
    store.put(other.key, content);
    await decideUploads([other], context());
    expect(hashCache.get(other.path, other)).toEqual({ sha256: sha256Hex(content), md5: md5Hex(content) });
  });

  describe('large files', () => {
    it('are skipped on the recorded mtime without being read', async () => {
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', randomBytes(LARGE_BYTES));
      store.put(task.key, randomBytes(LARGE_BYTES), {
        etag: `${'0'.repeat(32)}-2`,
        metadata: { 'mtime-ms': String(task.mtimeMs) },
      });
      const decisions = await decideUploads([task], context());
      expect(decisions).toEqual([
        {
          action: 'skip',
          reason: 'same size and the recorded mtime matches',
        },
      ]);
      expect(hashCache.get(task.path, task)).toBeUndefined();
    });

    it('are compared by content when the recorded mtime differs, never by LastModified', async () => {
      const content = randomBytes(LARGE_BYTES);
      const task = await plannedFile('reels', 'R001/R001_cam1.mp4', content);
      const metadata = { 'mtime-ms': String(task.mtimeMs - 1), sha256: sha256Hex(content) };
      store.put(task.key, content, { etag: `${'0'.repeat(32)}-2`, encryption: 'aws:kms', metadata });
      expect((await decideUploads([task], context()))[0]).toEqual({
        action: 'skip',
        reason: 'content matches (SHA-256 = x-amz-meta-sha256); mtime moved by 1 ms (FAT 2 s granularity?)',
      });

      store.put(task.key, randomBytes(LARGE_BYTES), { lastModifiedMs: task.mtimeMs + 3_600_000 });
      expect((await decideUploads([task], context()))[0]).toEqual({
        action: 'upload',
        reason: 'content differs (MD5 != ETag)',
      });
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

describe('isSettledByLog', () => {
  const task = (key: string, sizeBytes: number, mtimeMs: number): UploadTask => ({
    group: 'logs',
    path: `/p/${key}`,
    relPath: key,
    key,
    sizeBytes,
    mtimeMs,
  });
  const tasks = [task('P/logs/a.log', 10, 1000), task('P/logs/b.log', 20, 2000)];
  const logged = new Map<string, LogFacts>([
    ['P/logs/a.log', { sizeBytes: 10, mtimeMs: 1000 }],
    ['P/logs/b.log', { sizeBytes: 20, mtimeMs: 2000 }],
  ]);
  const trusting = { logged, force: false, verify: false, check: false };

  it('is true when the log records every file with its size and mtime', () => {
    expect(isSettledByLog(tasks, trusting)).toBe(true);
  });

  it.each([
    ['a file the log does not record', [...tasks, task('P/logs/c.log', 5, 5)], trusting],
    ['a file whose mtime moved', [tasks[0]!, task('P/logs/b.log', 20, 2001)], trusting],
    ['a file whose size changed', [tasks[0]!, task('P/logs/b.log', 21, 2000)], trusting],
    ['--force', tasks, { ...trusting, force: true }],
    ['--verify', tasks, { ...trusting, verify: true }],
    ['--check', tasks, { ...trusting, check: true }],
  ])('is false with %s', (_name, planned, ctx) => {
    expect(isSettledByLog(planned, ctx)).toBe(false);
  });
});
