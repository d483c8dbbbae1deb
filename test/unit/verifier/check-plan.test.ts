import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import { HashCache } from '../../../src/content/hash-cache.js';
import { checkPlan, isAllProven, type CheckRow } from '../../../src/verifier/check-plan.js';
import { formatCheckText, writeCheckReport } from '../../../src/verifier/check-report.js';
import type { ProofContext } from '../../../src/verifier/prove-file.js';
import { FakeBucket, md5Hex, sha256Hex } from './fake-bucket.js';

let dir: string;
let bucket: FakeBucket;
let ctx: ProofContext;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'check-plan-'));
  bucket = new FakeBucket();
  ctx = {
    reader: bucket,
    bucket: 'b',
    hashCache: await HashCache.load(join(dir, 'state')),
    signal: new AbortController().signal,
  };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function planned(relPath: string, content: Buffer): Promise<UploadTask> {
  const path = join(dir, 'reels', relPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  const info = await stat(path);
  return {
    group: 'reels',
    path,
    relPath,
    key: `P1/reels/${relPath}`,
    sizeBytes: info.size,
    mtimeMs: Math.floor(info.mtimeMs),
  };
}

describe('checkPlan', () => {
  it('names missing, different, unproven and extra keys, and never takes the recorded mtime for proof', async () => {
    const same = randomBytes(50);
    const tasks = [
      await planned('same.bin', same),
      await planned('gone.bin', randomBytes(50)),
      await planned('corrupt.bin', randomBytes(50)),
      await planned('sealed.bin', randomBytes(50)),
    ];
    const [proven, , corrupt, sealed] = tasks;
    bucket.put(proven!.key, same);
    bucket.put(corrupt!.key, randomBytes(50), { metadata: { 'mtime-ms': String(corrupt!.mtimeMs) } });
    bucket.put(sealed!.key, randomBytes(50), {
      encryption: 'SSE-C',
      metadata: { 'mtime-ms': String(sealed!.mtimeMs) },
    });
    bucket.put('P1/reels/stray.bin', randomBytes(5));
    bucket.put('P1/other/outside.bin', randomBytes(5));

    const rows = await checkPlan({ groups: new Map([['reels', tasks]]), problems: [] }, ctx, {
      download: false,
    });

    expect(rows.map((r) => [r.key, r.status])).toEqual([
      ['P1/reels/same.bin', 'proven'],
      ['P1/reels/gone.bin', 'missing'],
      ['P1/reels/corrupt.bin', 'different'],
      ['P1/reels/sealed.bin', 'unproven'],
      ['P1/reels/stray.bin', 'extra'],
    ]);
    expect(isAllProven(rows)).toBe(false);
    expect(bucket.count('get')).toBe(0);
    expect(formatCheckText(rows, 's3://b/P1/', { all: false, quiet: false }).at(-1)).toBe(
      'Check s3://b/P1/: 4 files: 1 proven, 1 missing, 1 different, 1 unproven (check --download reads them back and hashes them); 1 extra object',
    );
    const downloaded = { all: false, quiet: false, downloaded: true };
    expect(formatCheckText(rows, 's3://b/P1/', downloaded).at(-1)).toContain('1 unproven; 1 extra object');
  });

  it('with download, hashes the object when nothing stored proves it, except in an archive class', async () => {
    const content = randomBytes(64);
    const readable = await planned('readable.bin', content);
    const archived = await planned('archived.bin', content);
    const opaque = { etag: md5Hex(randomBytes(1)), encryption: 'aws:kms' as const };
    bucket.put(readable.key, content, opaque);
    bucket.put(archived.key, content, opaque, { firstPart: { sizeBytes: 64, storageClass: 'DEEP_ARCHIVE' } });

    const rows = await checkPlan({ groups: new Map([['reels', [readable, archived]]]), problems: [] }, ctx, {
      download: true,
    });

    expect(rows[0]).toMatchObject({
      status: 'proven',
      reason: expect.stringMatching(/^content matches \(SHA-256 of the downloaded object\)/) as string,
    });
    expect(rows[1]).toMatchObject({
      status: 'unproven',
      reason: expect.stringContaining('stored in DEEP_ARCHIVE') as string,
    });
    expect(bucket.requests.filter((r) => r.startsWith('get '))).toEqual([`get ${readable.key}`]);
    expect(ctx.hashCache.get(readable.path, readable)?.sha256).toBe(sha256Hex(content));
  });

  it('writes every row to the CSV report', async () => {
    const file = join(dir, 'report.csv');
    await writeCheckReport(file, [
      { key: 'P1/a', file: 'C:\\survey\\a', status: 'missing', reason: 'new: not in the bucket' },
      { key: 'P1/b', file: '', status: 'extra', reason: 'no planned file maps to this key, "quoted"' },
    ]);
    expect(await readFile(file, 'utf8')).toBe(
      '\uFEFFkey,file,status,reason\nP1/a,C:\\survey\\a,missing,new: not in the bucket\nP1/b,,extra,"no planned file maps to this key, ""quoted"""\n',
    );
  });
});

describe('formatCheckText and timestamp folders', () => {
  const row = (key: string, status: CheckRow['status']): CheckRow => ({
    key,
    file: status === 'extra' ? '' : `/p/${key}`,
    status,
    reason: status === 'extra' ? 'no planned file maps to this key' : 'MD5 = ETag',
  });

  it("shows an earlier --timestamp run's folder as one line, and this run's extra objects one by one", () => {
    const rows = [
      row('P1/logs/20261207_0200/run.log', 'proven'),
      row('P1/logs/20261207_0200/deleted.log', 'extra'),
      row('P1/logs/20261201_0200/a.log', 'extra'),
      row('P1/logs/20261201_0200/sub/b.log', 'extra'),
      row('P1/logs/20261130_0200/c.log', 'extra'),
      row('P1/config/stray.yaml', 'extra'),
    ];

    const lines = formatCheckText(rows, 's3://b/P1/', { all: false, quiet: false, projectPrefix: 'P1/' });

    expect(lines.slice(0, -1)).toEqual([
      'extra     P1/logs/20261207_0200/deleted.log: no planned file maps to this key',
      'extra     P1/config/stray.yaml: no planned file maps to this key',
      "extra     P1/logs/20261201_0200/: 2 objects in a timestamp folder no planned file maps to (an earlier --timestamp run's)",
      "extra     P1/logs/20261130_0200/: 1 object in a timestamp folder no planned file maps to (an earlier --timestamp run's)",
    ]);
    expect(lines.at(-1)).toContain('1 proven');
    expect(
      formatCheckText(rows, 's3://b/P1/', { all: true, quiet: false, projectPrefix: 'P1/' }),
    ).toHaveLength(rows.length + 1);
  });
});
