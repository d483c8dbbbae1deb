import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import { HashCache } from '../../../src/content/hash-cache.js';
import type { RemoteObject } from '../../../src/remote/remote-object.js';
import type { Decision } from '../../../src/verifier/decide.js';
import { decideWith, type VerifyContext } from '../../../src/verifier/verify-plan.js';
import { FakeBucket, md5Hex, partDigestsOf, sha256Hex, type FakeObject } from './fake-bucket.js';

const MiB = 1024 ** 2;
const HOUR = 3_600_000;
/** Three parts of 8 MiB: the tier this tool cuts a 20 MiB file into. */
const LARGE = 20 * MiB;

/** One row of the table: a local file, what the bucket holds for it, and what a normal run must decide. */
interface Case {
  name: string;
  local: Buffer;
  /** What to store, given the local file's task; nothing for a missing object. */
  remote?: (task: UploadTask) => {
    content: Buffer;
    head?: Partial<RemoteObject>;
    extra?: Omit<FakeObject, 'head'>;
  };
  /** Digests the hash cache holds before the run. */
  cached?: boolean;
  expected: { action: Decision['action']; reason: string | RegExp };
}

const small = randomBytes(700);
const smallOther = randomBytes(700);
const large = randomBytes(LARGE);
const largeOther = Buffer.concat([large.subarray(0, LARGE - 1), Buffer.from([large[LARGE - 1]! ^ 0xff])]);
const recorded = (task: UploadTask, shiftMs = 0) => ({ 'mtime-ms': String(task.mtimeMs + shiftMs) });
const multipart = (content: Buffer) => partDigestsOf(content, 8 * MiB).etag;

const CASES: Case[] = [
  { name: 'missing', local: small, expected: { action: 'upload', reason: 'new: not in the bucket' } },
  {
    name: 'other size',
    local: small,
    remote: () => ({ content: small.subarray(1) }),
    expected: { action: 'upload', reason: 'size differs (local 700, remote 699 bytes)' },
  },
  {
    name: 'same small file',
    local: small,
    remote: (t) => ({ content: small, head: { metadata: recorded(t) } }),
    expected: { action: 'skip', reason: 'content matches (MD5 = ETag)' },
  },
  {
    name: 'corrupted small copy with the original metadata',
    local: small,
    remote: (t) => ({
      content: smallOther,
      head: { metadata: { ...recorded(t), sha256: sha256Hex(small) } },
    }),
    expected: { action: 'upload', reason: 'content differs (MD5 != ETag)' },
  },
  {
    name: 'SSE-KMS small file with its SHA-256 recorded',
    local: small,
    remote: () => ({
      content: small,
      head: { etag: md5Hex(smallOther), encryption: 'aws:kms', metadata: { sha256: sha256Hex(small) } },
    }),
    expected: { action: 'skip', reason: /^content matches \(SHA-256 = x-amz-meta-sha256\)/ },
  },
  {
    name: 'SSE-KMS small file with only its mtime recorded',
    local: small,
    remote: (t) => ({
      content: small,
      head: { etag: md5Hex(smallOther), encryption: 'aws:kms', metadata: recorded(t) },
    }),
    expected: { action: 'skip', reason: 'same size and the recorded mtime matches' },
  },
  {
    name: 'SSE-C small file from another tool',
    local: small,
    remote: () => ({ content: small, head: { etag: md5Hex(smallOther), encryption: 'SSE-C' } }),
    expected: { action: 'upload', reason: /^nothing proves the stored copy matches/ },
  },
  {
    name: 'large file, recorded mtime equal',
    local: large,
    remote: (t) => ({ content: large, head: { etag: multipart(large), metadata: recorded(t) } }),
    expected: { action: 'skip', reason: 'same size and the recorded mtime matches' },
  },
  {
    name: 'large file moved by an hour',
    local: large,
    remote: (t) => ({ content: large, head: { etag: multipart(large), metadata: recorded(t, -HOUR) } }),
    expected: {
      action: 'skip',
      reason: 'content matches (multipart ETag from local part MD5s); mtime moved by 1 h (FAT/DST shift?)',
    },
  },
  {
    name: 'large file changed at the same size, stored after the local mtime',
    local: large,
    remote: (t) => ({
      content: largeOther,
      head: { etag: multipart(largeOther), metadata: recorded(t, -5000), lastModifiedMs: t.mtimeMs + HOUR },
    }),
    expected: {
      action: 'upload',
      reason: /^nothing proves the stored copy matches \(the multipart ETag matches no part size/,
    },
  },
  {
    name: 'large file changed, part size reported by the server',
    local: large,
    remote: (t) => ({
      content: largeOther,
      head: { etag: multipart(largeOther), metadata: recorded(t, -5000) },
      extra: { firstPart: { sizeBytes: 8 * MiB, partCount: 3 } },
    }),
    expected: { action: 'upload', reason: 'content differs (multipart ETag != local part MD5s)' },
  },
  {
    name: 'large file stored in one request by another tool',
    local: large,
    remote: () => ({ content: large }),
    expected: {
      action: 'skip',
      reason: 'content matches (MD5 = ETag); no mtime recorded (stored by another tool?)',
    },
  },
  {
    name: 'SSE-KMS large file with a composite SHA256 checksum, mtime moved 2 s',
    local: large,
    remote: (t) => ({
      content: large,
      head: {
        etag: 'opaque-3',
        encryption: 'aws:kms',
        metadata: recorded(t, 2000),
        checksums: { SHA256: partDigestsOf(large, 8 * MiB).composite },
        checksumType: 'COMPOSITE',
      },
    }),
    expected: {
      action: 'skip',
      reason:
        'content matches (composite SHA256 checksum from local part SHA-256s); mtime moved by -2000 ms (FAT 2 s granularity?)',
    },
  },
  {
    name: 'large file whose cached SHA-256 contradicts the recorded one',
    local: large,
    cached: true,
    remote: (t) => ({
      content: large,
      head: { etag: multipart(large), metadata: { ...recorded(t), sha256: sha256Hex(largeOther) } },
    }),
    expected: { action: 'upload', reason: 'content differs (SHA-256 != x-amz-meta-sha256)' },
  },
];

let dir: string;
let tasks: UploadTask[];
const buckets = { 'head-each': new FakeBucket(), 'list-prefixes': new FakeBucket() };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lookup-equivalence-'));
  tasks = [];
  for (const [i, c] of CASES.entries()) {
    const relPath = `case-${String(i).padStart(2, '0')}.bin`;
    const path = join(dir, 'project', 'reels', relPath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, c.local);
    const info = await stat(path);
    const task = {
      group: 'reels',
      path,
      relPath,
      key: `P1/reels/${relPath}`,
      sizeBytes: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
    };
    tasks.push(task);
    const stored = c.remote?.(task);
    if (!stored) continue;
    for (const bucket of Object.values(buckets))
      bucket.put(task.key, stored.content, stored.head, stored.extra);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runLookup(lookup: keyof typeof buckets): Promise<Map<UploadTask, Decision>> {
  const hashCache = await HashCache.load(join(dir, `state-${lookup}`));
  for (const [i, c] of CASES.entries()) {
    if (c.cached) hashCache.set(tasks[i]!.path, tasks[i]!, { sha256: sha256Hex(c.local) });
  }
  const ctx: VerifyContext = {
    store: buckets[lookup],
    bucket: 'b',
    logged: new Map(),
    hashCache,
    force: false,
    verify: false,
    signal: new AbortController().signal,
  };
  return decideWith(tasks, ctx, lookup);
}

describe('one decision procedure, whatever the lookup', () => {
  it('gives the same decision for every case by HeadObject per key and by listing', async () => {
    const byHead = await runLookup('head-each');
    const byList = await runLookup('list-prefixes');

    expect(buckets['head-each'].count('list')).toBe(0);
    expect(buckets['list-prefixes'].count('list')).toBe(1);
    for (const [i, c] of CASES.entries()) {
      expect({ case: c.name, ...byList[i] }).toEqual({ case: c.name, ...byHead[i] });
      expect({ case: c.name, ...byHead[i] }).toEqual({
        case: c.name,
        action: c.expected.action,
        reason:
          typeof c.expected.reason === 'string'
            ? c.expected.reason
            : expect.stringMatching(c.expected.reason),
      });
    }
  });

  it('heads from a listing only the keys a listing cannot settle', () => {
    const headed = buckets['list-prefixes'].requests
      .filter((r) => r.startsWith('head '))
      .map((r) => r.slice(5));
    const sameSmall = tasks[CASES.findIndex((c) => c.name === 'same small file')]!;
    const missing = tasks[CASES.findIndex((c) => c.name === 'missing')]!;
    expect(headed).not.toContain(sameSmall.key);
    expect(headed).not.toContain(missing.key);
    expect(headed.length).toBeGreaterThan(0);
  });
});
