/**
 * Server-side encryption: objects asked to be stored with SSE-KMS are, and an upload verifies what the server
 * stored even where an encrypted object's ETag is not the MD5 of its bytes (Amazon S3 with SSE-KMS; here a proxy
 * rewrites Ceph RGW's answers that way, since RGW still answers the MD5).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { getObjectBytes } from '../support/bucket.js';
import { makeBytes, writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { countOutcomes, readLogRows } from '../support/run-outcomes.js';
import { makeTestClient } from '../support/s3-env.js';
import {
  digestFile,
  digestObject,
  keyOf,
  MiB,
  uploadArgs,
  uploadOneFile,
  type Harness,
  useHarnessBucket,
} from './transfer-harness.js';

const PART = 8 * MiB;
const SMALL = 'reels/R001/R001.json';
const REEL = 'reels/R001/R001.mp4';
const KMS_FLAGS = ['--sse', 'aws:kms', '--sse-kms-key-id', 'testkey-1'];

let bucket: string;
const { harness } = useHarnessBucket('sse', (created) => (bucket = created));
const client = makeTestClient();
afterAll(() => client.destroy());

/** A project with a small file (one PutObject) and a 20 MiB reel (three parts). */
async function kmsProject(projectKey: string): Promise<{ h: Harness; small: Buffer; reel: string }> {
  const h = await harness(projectKey);
  const small = makeBytes(100 * 1024, `${projectKey}-small`);
  const [, reel] = await writeFiles(h.projectDir, {
    [SMALL]: small,
    [REEL]: { sizeBytes: 20 * MiB, seed: projectKey },
  });
  return { h, small, reel: reel! };
}

async function encryptionOf(
  key: string,
): Promise<{ sse?: string | undefined; kmsKeyId?: string | undefined }> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { sse: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId };
}

/** Both files are stored byte for byte and encrypted with the test KMS key. */
async function expectStoredEncrypted(h: Harness, small: Buffer, reel: string): Promise<void> {
  expect((await getObjectBytes(bucket, keyOf(h, SMALL))).equals(small)).toBe(true);
  const digest = await digestFile(reel, PART);
  expect(await digestObject(bucket, keyOf(h, REEL))).toEqual({
    sizeBytes: digest.sizeBytes,
    sha256: digest.sha256,
  });
  for (const rel of [SMALL, REEL])
    expect(await encryptionOf(keyOf(h, rel))).toEqual({ sse: 'aws:kms', kmsKeyId: 'testkey-1' });
}

/** A second run sends nothing and logs every file skipped. */
async function expectRerunSkipsAll(h: Harness): Promise<void> {
  h.proxy.resetStats();
  const rerun = await runCli(uploadArgs(h, ...KMS_FLAGS));
  expect(rerun.code, rerun.stderr).toBe(0);
  const stats = h.proxy.stats();
  expect(stats.byOperation.PutObject ?? 0).toBe(0);
  expect(stats.byOperation.UploadPart ?? 0).toBe(0);
  const rows = await readLogRows(h.logCsv);
  expect(countOutcomes(rows.slice(2))).toEqual({ uploaded: 0, skipped: 2, failed: 0 });
}

describe('sse: aws:kms with a KMS key', () => {
  it('stores small and multipart files encrypted with that key, and a rerun skips them', async () => {
    const { h, small, reel } = await kmsProject('KMS1');
    const run = await runCli(uploadArgs(h, ...KMS_FLAGS));
    expect(run.code, run.stderr).toBe(0);
    const stats = h.proxy.stats();
    expect(stats.byOperation.PutObject).toBe(1);
    expect(stats.byOperation.UploadPart).toBe(3);
    await expectStoredEncrypted(h, small, reel);
    await expectRerunSkipsAll(h);
  });
});

describe('a server whose encrypted objects have ETags that are not MD5s (Amazon S3 with SSE-KMS)', () => {
  it('uploads without reporting different bytes, saying what verified them, and a rerun skips them', async () => {
    const { h, small, reel } = await kmsProject('KMS2');
    h.proxy.setEtagStyle('aws-kms');
    const run = await runCli(uploadArgs(h, ...KMS_FLAGS));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/different bytes|does not match/);
    const rows = await readLogRows(h.logCsv);
    expect(rows.map((r) => [r.key, r.outcome])).toEqual(
      expect.arrayContaining([
        [keyOf(h, SMALL), 'uploaded'],
        [keyOf(h, REEL), 'uploaded'],
      ]),
    );
    for (const row of rows) expect(row.reason).toMatch(/verified by the server's Content-MD5 check.*SSE-KMS/);
    // what the run recorded is what the (AWS-style) server answered, not a local MD5
    const smallRow = rows.find((r) => r.key === keyOf(h, SMALL))!;
    expect(smallRow.etag).not.toBe(createMd5(small));
    expect(h.proxy.stats().log.filter((e) => e.error !== undefined)).toEqual([]);
    await expectStoredEncrypted(h, small, reel);
    await expectRerunSkipsAll(h);
  });
});

function createMd5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

describe('a server that ignores the encryption asked for (this Ceph RGW has no SSE-S3 backend, as fauxqs has none)', () => {
  it.each([
    ['one PutObject', 'SSEOFF1', SMALL, 100 * 1024],
    ['a multipart upload', 'SSEOFF2', REEL, 20 * MiB],
  ])(
    'stops the run (exit 2) at the first object, %s, stored unencrypted, with one line naming it and the fix',
    async (_how, projectKey, rel, sizeBytes) => {
      const h = await harness(projectKey);
      const run = await uploadOneFile(h, rel, sizeBytes, '--sse', 'AES256');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `upload ${keyOf(h, rel)}: the server stored it unencrypted, though sse AES256 was asked (its answer ` +
          'names no encryption); remove sse / --sse for this endpoint, or use one that applies it',
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(await encryptionOf(keyOf(h, rel))).toEqual({ sse: undefined, kmsKeyId: undefined });
      const rows = await readLogRows(h.logCsv);
      expect(rows.filter((r) => r.outcome === 'uploaded')).toEqual([]);
      // the object is there, unencrypted: counted as the file's failure, its row naming the object
      expect(run.stdout).toMatch(/total +0 \(0 B\) +0 \(0 B\) +1 \(/);
      expect(rows.filter((r) => r.outcome === 'failed').map((r) => [r.key, r.etag !== undefined])).toEqual([
        [keyOf(h, rel), true],
      ]);

      // the same run again does not take that object for the file: it is sent again, and stopped again
      h.proxy.resetStats();
      const again = await runCli(uploadArgs(h, '--sse', 'AES256'));
      expect(again.code, again.stdout + again.stderr).toBe(2);
      const sent = h.proxy.stats().byOperation;
      expect((sent.PutObject ?? 0) + (sent.CompleteMultipartUpload ?? 0)).toBe(1);

      // another machine, without this upload log, finds the object by its content: it says how it is stored
      const fresh = path.join(path.dirname(h.stateDir), 'another-machine');
      const elsewhere = ['--state-dir', fresh, '--log-csv', path.join(fresh, 'upload-log.csv')];
      const other = await runCli(uploadArgs(h, '--sse', 'AES256', ...elsewhere));
      expect(other.code, other.stdout + other.stderr).toBe(0);
      expect(other.stderr).toContain(
        `1 file skipped as already in the bucket, ${keyOf(h, rel)} stored otherwise than asked (encryption none, wanted AES256)`,
      );
    },
  );
});
