/**
 * What reaches the bucket is the file's bytes or nothing: corrupted and cut-off bodies are refused by the
 * server, or found by their ETag, and sent again, throttling is waited out, a file that changes mid-upload is not stored, and a
 * run-fatal error stops the run once instead of failing every file.
 */
import { createHash } from 'node:crypto';
import { appendFile, chmod, truncate, utimes } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { getObjectBytes, listAllObjects, listOpenMultipartUploads } from '../support/bucket.js';
import { makeBytes, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { readLogRows } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, makeTestClient } from '../support/s3-env.js';
import {
  deleteBucket,
  digestFile,
  keyOf,
  MiB,
  readJournals,
  uploadArgs,
  uploadPartRequests,
  waitForJournalParts,
  type Digest,
  type Harness,
  useHarnessBucket,
} from './transfer-harness.js';

const PART = 8 * MiB; // the < 512 MiB tier

let bucket: string;
const { harness, expectStored } = useHarnessBucket('integrity', (created) => (bucket = created));

async function openUploadsOf(key: string): Promise<string[]> {
  return (await listOpenMultipartUploads(bucket)).filter((u) => u.key === key).map((u) => u.uploadId);
}

/** A 24 MiB reel (three 8 MiB parts) in a fresh project behind a proxy with `rules`. */
async function threePartReel(
  projectKey: string,
  rules: FaultRule[],
): Promise<{ h: Harness; key: string; digest: Digest }> {
  const h = await harness(projectKey, rules);
  const rel = 'reels/R001/three-parts.mp4';
  const [file] = await writeFiles(h.projectDir, { [rel]: { sizeBytes: 24 * MiB, seed: projectKey } });
  return { h, key: keyOf(h, rel), digest: await digestFile(file!, PART) };
}

/** The part numbers of the UploadPart requests the server stored (200), in order. */
function storedPartNumbers(parts: ReturnType<typeof uploadPartRequests>): (number | undefined)[] {
  return parts
    .filter((e) => e.status === 200)
    .map((e) => e.partNumber)
    .sort();
}

describe('bodies damaged on the way', () => {
  // Parts are read once with no Content-MD5, so the server stores a damaged body: its ETag shows it either way.
  it.each([
    ['whose body had one byte flipped on the way', 'FLIP1', 'flip-byte'],
    ['when the server answers an MD5 ETag that is not the MD5 of what was sent', 'WRONGETAG1', 'wrong-etag'],
  ] as const)('sends a part again %s', async (_case, projectKey, action) => {
    const { h, key, digest } = await threePartReel(projectKey, [
      { match: { operation: 'UploadPart', partNumber: 2 }, action },
    ]);
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const parts = uploadPartRequests(h.proxy.stats());
    expect(parts.filter((e) => e.partNumber === 2).map((e) => [e.status, e.fault])).toEqual([
      [200, action],
      [200, undefined],
    ]);
    expect(parts).toHaveLength(3 + 1);
    await expectStored(key, digest);
    const [row] = await readLogRows(h.logCsv);
    expect(row).toMatchObject({ key, outcome: 'uploaded', etag: digest.multipartEtag });
  });

  it('resends a part whose body had one byte flipped, after the server refused it, where ETags are no MD5', async () => {
    // with SSE-KMS an ETag proves nothing, so parts go with Content-MD5 and the server checks them on the wire
    const { h, key, digest } = await threePartReel('FLIPKMS', [
      { match: { operation: 'UploadPart', partNumber: 2 }, action: 'flip-byte' },
    ]);
    const run = await runCli(uploadArgs(h, '--sse', 'aws:kms', '--sse-kms-key-id', 'testkey-1'));
    expect(run.code, run.stderr).toBe(0);
    const parts = uploadPartRequests(h.proxy.stats());
    const flipped = parts.filter((e) => e.fault === 'flip-byte');
    expect(flipped).toHaveLength(1);
    expect(flipped[0]!.status).toBeGreaterThanOrEqual(400);
    expect(flipped[0]!.status).toBeLessThan(500);
    expect(parts.filter((e) => e.partNumber === 2).map((e) => e.status)).toEqual([flipped[0]!.status, 200]);
    expect(h.proxy.stats().acceptedBodyBytes).toBe(digest.sizeBytes);
    await expectStored(key, digest);
  });

  it('sends parts with Content-MD5 when the server refuses parts without a digest (Object Lock)', async () => {
    // Amazon S3 answers 400 InvalidRequest to an UploadPart with neither Content-MD5 nor a checksum in such a bucket
    const { h, key, digest } = await threePartReel('OBJLOCK', [
      {
        match: { operation: 'UploadPart', withoutDigest: true },
        action: 'digest-required-400',
        times: Infinity,
      },
    ]);
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const parts = uploadPartRequests(h.proxy.stats());
    const refused = parts.filter((e) => e.fault === 'digest-required-400');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((e) => e.status === 400)).toBe(true);
    expect(storedPartNumbers(parts)).toEqual([1, 2, 3]);
    await expectStored(key, digest);
  });

  it('resends a small file whose PutObject body had one byte flipped, after the server refused it', async () => {
    const h = await harness('FLIP2', [{ match: { operation: 'PutObject' }, action: 'flip-byte' }]);
    const rel = 'reels/R001/small.json';
    const bytes = makeBytes(100 * 1024, 'flip-small');
    await writeFiles(h.projectDir, { [rel]: bytes });
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const puts = h.proxy.stats().log.filter((e) => e.operation === 'PutObject');
    expect(puts.map((e) => e.fault)).toEqual(['flip-byte', undefined]);
    expect(puts[0]!.status).toBeGreaterThanOrEqual(400);
    expect(puts[0]!.status).toBeLessThan(500);
    expect(puts[1]!.status).toBe(200);
    expect((await getObjectBytes(bucket, keyOf(h, rel))).equals(bytes)).toBe(true);
  });

  it('sends a small file again when PutObject answers an MD5 ETag that is not its MD5', async () => {
    const h = await harness('WRONGETAG2', [{ match: { operation: 'PutObject' }, action: 'wrong-etag' }]);
    const rel = 'reels/R001/small.json';
    const bytes = makeBytes(100 * 1024, 'wrong-etag-small');
    await writeFiles(h.projectDir, { [rel]: bytes });
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const puts = h.proxy.stats().log.filter((e) => e.operation === 'PutObject');
    expect(puts.map((e) => [e.status, e.fault])).toEqual([
      [200, 'wrong-etag'],
      [200, undefined],
    ]);
    const [row] = await readLogRows(h.logCsv);
    expect(row).toMatchObject({ outcome: 'uploaded', etag: createHash('md5').update(bytes).digest('hex') });
    expect((await getObjectBytes(bucket, keyOf(h, rel))).equals(bytes)).toBe(true);
  });

  it('keeps the ETag of other bytes an attempt stored when the later attempts fail otherwise', async () => {
    // the object holds the file's recorded size and mtime: only the failed row's ETag keeps a rerun from trusting it
    const h = await harness('WRONGETAG3', [
      { match: { operation: 'PutObject' }, action: 'wrong-etag' },
      { match: { operation: 'PutObject' }, action: 'digest-required-400' },
    ]);
    const rel = 'reels/R001/small.json';
    await writeFiles(h.projectDir, { [rel]: makeBytes(100 * 1024, 'wrong-etag-then-400') });
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(1);
    const puts = h.proxy.stats().log.filter((e) => e.operation === 'PutObject');
    expect(puts[0]).toMatchObject({ status: 200, fault: 'wrong-etag' });
    expect(puts.slice(1).map((e) => e.fault)).toEqual(['digest-required-400']);
    const stored = await makeTestClient().send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(h, rel) }));
    // the MD5 of the stored ETag's hex digits is what the proxy answered in its place
    const answered = createHash('md5').update(stored.ETag!.replaceAll('"', '')).digest('hex');
    const [row] = await readLogRows(h.logCsv);
    expect(row).toMatchObject({ outcome: 'failed', etag: answered });
  });

  it("stores a reel whose multipart ETag comes without S3's -N (s3rver) on the strength of its parts", async () => {
    // 32 hex digits that are neither S3's ETag of parts nor the file's MD5: they can prove nothing either way
    const plain = { action: 'etag-without-part-count' as const, times: Infinity };
    const { h, key, digest } = await threePartReel('PLAINETAG', [
      { match: { operation: 'CompleteMultipartUpload' }, ...plain },
      { match: { operation: 'HeadObject' }, ...plain },
    ]);
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    expect(h.proxy.stats().log.filter((e) => e.fault === 'etag-without-part-count').length).toBeGreaterThan(
      0,
    );
    const [row] = await readLogRows(h.logCsv);
    expect(row).toMatchObject({ key, outcome: 'uploaded', etag: digest.multipartEtag.replace(/-\d+$/, '') });
    expect(row!.reason).toMatch(/verified by every part's ETag.*not S3's ETag of its parts/);
    await expectStored(key, digest);
  });

  it('sends a reel again on the next run when its object failed the check after the upload', async () => {
    // the object's recorded size and mtime are the file's, so without the failed row a rerun would skip it
    // Ceph RGW's CompleteMultipartUpload answer names no ETag the SDK reads: HeadObject's is the one checked
    const wrongHeads: FaultRule[] = [
      { match: { operation: 'HeadObject' }, action: 'wrong-etag', times: Infinity },
    ];
    const { h, key, digest } = await threePartReel('MISMATCHRERUN', wrongHeads);
    const failed = await runCli(uploadArgs(h));
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/the stored object does not match/);
    const wrong = (await readLogRows(h.logCsv)).find((r) => r.key === key)!;
    expect(wrong).toMatchObject({ outcome: 'failed', etag: expect.not.stringMatching(digest.multipartEtag) });
    // the server still shows the object the check found: the HeadObject that decides answers that ETag
    h.proxy.setRules([{ ...wrongHeads[0]!, times: 1 }]);
    h.proxy.resetStats();
    const again = await runCli(uploadArgs(h));
    expect(again.code, again.stderr).toBe(0);
    expect(h.proxy.stats().log.map((e) => [e.operation, e.fault ?? ''])).toContainEqual([
      'HeadObject',
      'wrong-etag',
    ]);
    expect(uploadPartRequests(h.proxy.stats())).toHaveLength(3);
    const rows = (await readLogRows(h.logCsv)).filter((r) => r.key === key);
    expect(rows.at(-1)).toMatchObject({ outcome: 'uploaded', etag: digest.multipartEtag });
    expect(rows.at(-1)!.reason).toContain(
      `the last upload found the stored object (ETag ${wrong.etag}) not as asked`,
    );
    h.proxy.setRules([]);
    h.proxy.resetStats();
    const settled = await runCli(uploadArgs(h));
    expect(settled.code, settled.stderr).toBe(0);
    expect(uploadPartRequests(h.proxy.stats())).toHaveLength(0);
    await expectStored(key, digest);
  });

  it('resends parts whose connection was reset mid-body', async () => {
    const { h, key, digest } = await threePartReel('RESET1', [
      { match: { operation: 'UploadPart' }, action: 'reset-mid-body', times: 2 },
    ]);
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const parts = uploadPartRequests(h.proxy.stats());
    expect(parts.filter((e) => e.fault === 'reset-mid-body')).toHaveLength(2);
    expect(parts).toHaveLength(3 + 2);
    expect(h.proxy.stats().acceptedBodyBytes).toBe(digest.sizeBytes);
    await expectStored(key, digest);
  });

  it('waits out a burst of 503 SlowDown answers and stores every part', async () => {
    const { h, key, digest } = await threePartReel('SLOW1', [
      { match: { operation: 'UploadPart' }, action: 'slowdown-503', times: 5 },
    ]);
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const parts = uploadPartRequests(h.proxy.stats());
    expect(parts.filter((e) => e.status === 503)).toHaveLength(5);
    expect(storedPartNumbers(parts)).toEqual([1, 2, 3]);
    await expectStored(key, digest);
  });
});

describe('a server whose ETags are no MD5s at all (Cloudflare R2 answered parts so in 2022)', () => {
  it('stores every file, proven by Content-MD5 instead of failed as different bytes; a rerun skips', async () => {
    const { h, key, digest } = await threePartReel('OPAQUE1', []);
    await writeFiles(h.projectDir, { 'reels/R001/R001.json': makeBytes(4096, 'opaque') });
    h.proxy.setEtagStyle('opaque');
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    // a part in flight before the first answer showed the ETags prove nothing goes again, with Content-MD5
    const parts = uploadPartRequests(h.proxy.stats());
    for (const n of [1, 2, 3]) expect(parts.filter((e) => e.partNumber === n).length).toBeLessThanOrEqual(2);
    expect(h.proxy.stats().byOperation.PutObject).toBe(1);
    await expectStored(key, digest);
    const rows = await readLogRows(h.logCsv);
    expect(rows.map((r) => r.outcome)).toEqual(['uploaded', 'uploaded']);
    for (const row of rows) expect(row.reason).toMatch(/Content-MD5/);

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect([h.proxy.stats().byOperation.PutObject, h.proxy.stats().byOperation.UploadPart]).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('a server that writes its MD5 ETags in capitals (Alibaba OSS)', () => {
  it('stores every file proven by those ETags, sends each part once, and a rerun skips', async () => {
    const { h, key, digest } = await threePartReel('CAPITALS', []);
    await writeFiles(h.projectDir, { 'reels/R001/R001.json': makeBytes(4096, 'capitals') });
    h.proxy.setEtagStyle('capitals');
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    expect(uploadPartRequests(h.proxy.stats())).toHaveLength(3);
    expect(h.proxy.stats().byOperation.PutObject).toBe(1);
    await expectStored(key, digest);
    const rows = await readLogRows(h.logCsv);
    expect(rows.map((r) => r.outcome)).toEqual(['uploaded', 'uploaded']);
    for (const row of rows) expect(row.reason).not.toMatch(/verified by/);

    h.proxy.resetStats();
    const check = await runCli(['check', ...uploadArgs(h)]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

describe('a file that changes while it is uploaded', () => {
  const SIZE = 300 * MiB;

  it.each([
    ['grows', 'GROWS', (file: string) => appendFile(file, 'still recording\n')],
    ['shrinks', 'SHRINKS', (file: string) => truncate(file, SIZE / 3)],
    [
      'is rewritten in place',
      'REWRITE',
      async (file: string) => {
        await writeFiles(path.dirname(file), {
          [path.basename(file)]: { sizeBytes: SIZE, seed: 'rewritten' },
        });
        const later = new Date(Date.now() + 60_000);
        await utimes(file, later, later);
      },
    ],
  ] as const)('is reported failed and not stored when it %s mid-upload', async (_how, projectKey, change) => {
    // every part after the fourth waits at the proxy until the file has changed: the order does not depend on timing
    const h = await harness(projectKey, [
      { match: { operation: 'UploadPart' }, action: 'hold', after: 4, times: Infinity },
    ]);
    const rel = 'reels/R002/recording.mp4';
    const [file] = await writeFiles(h.projectDir, { [rel]: { sizeBytes: SIZE, seed: projectKey } });
    const cli = spawnCli(uploadArgs(h));
    await waitForJournalParts(h.stateDir, 4, cli);
    await change(file!);
    h.proxy.setRules([]);
    h.proxy.release();
    const run = await cli.exited;
    expect(run.code, run.stderr).toBe(1);

    const rows = await readLogRows(h.logCsv);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: keyOf(h, rel), outcome: 'failed' });
    expect(rows[0]!.error).toMatch(/changed since this run listed it/);
    expect(await listAllObjects(bucket, keyOf(h, rel))).toEqual([]);
    expect(await openUploadsOf(keyOf(h, rel))).toEqual([]);
    expect(await readJournals(h.stateDir)).toEqual([]);
    // the change is noticed at the next part read, not after all 38 parts were sent
    expect(uploadPartRequests(h.proxy.stats()).length).toBeLessThan(38);
  });
});

describe('a run-fatal error', () => {
  const SMALL_FILES = Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [`logs/day-${String(i + 1).padStart(2, '0')}.log`, `line ${i}\n`]),
  );

  /** One line on stderr, `upload-to-s3: <message>`. */
  function expectOneErrorLine(stderr: string, pattern: RegExp): void {
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^upload-to-s3: /);
    expect(lines[0]).toMatch(pattern);
  }

  it('stops before any upload with one message when the secret key is wrong', async () => {
    const h = await harness('AUTH1');
    await writeFiles(h.projectDir, SMALL_FILES);
    const env = getS3Env();
    const config = await writeConfig(
      path.dirname(h.configPath),
      {
        bucket,
        region: env.region,
        endpoint_url: h.proxy.endpoint,
        force_path_style: true,
        auth_mode: 'config',
        aws_access_key_id: env.accessKeyId,
        aws_secret_access_key: `${env.secretAccessKey}-wrong`,
      },
      'wrong-secret.yaml',
    );
    await chmod(config, 0o600);
    const run = await runCli([...uploadArgs(h), '--config', config]);
    expect(run.code).toBe(2);
    expectOneErrorLine(run.stderr, /secret/);
    const stats = h.proxy.stats();
    expect(stats.requests).toBeLessThanOrEqual(3);
    expect(stats.byOperation.PutObject ?? 0).toBe(0);
  });

  it('stops before any upload with one message when the bucket does not exist', async () => {
    const missing = `${bucket}-missing`;
    const h = await harness('NOBUCKET');
    await writeFiles(h.projectDir, SMALL_FILES);
    const run = await runCli([...uploadArgs(h), '--bucket', missing]);
    expect(run.code).toBe(2);
    expectOneErrorLine(run.stderr, new RegExp(`${missing}.*(bucket|--bucket)`));
    const stats = h.proxy.stats();
    expect(stats.requests).toBeLessThanOrEqual(3);
    expect(stats.byOperation.PutObject ?? 0).toBe(0);
  });

  it('stops the run with one message when uploads are denied after the bucket check passed', async () => {
    const denied = await createTestBucket('integrity-denied');
    const client = makeTestClient();
    try {
      await client.send(
        new PutBucketPolicyCommand({
          Bucket: denied,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Principal: '*',
                Action: ['s3:PutObject'],
                Resource: [`arn:aws:s3:::${denied}/*`],
              },
            ],
          }),
        }),
      );
      const h = await harness('DENIED', [], denied);
      await writeFiles(h.projectDir, SMALL_FILES);
      const run = await runCli(uploadArgs(h, '--max-concurrency', '2'));
      expect(run.code).toBe(2);
      expectOneErrorLine(run.stderr, /AccessDenied|denied/i);
      const puts = h.proxy.stats().log.filter((e) => e.operation === 'PutObject');
      expect(puts.length).toBeGreaterThanOrEqual(1);
      expect(puts.length).toBeLessThanOrEqual(2);
      expect(puts.every((e) => e.status === 403)).toBe(true);
    } finally {
      client.destroy();
      await deleteBucket(denied).catch(() => {});
    }
  });
});
