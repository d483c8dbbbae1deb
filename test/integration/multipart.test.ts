/**
 * A 200 MiB incompressible reel through multipart upload against a real S3 server: the stored object is the
 * file, byte for byte, in ceil(200 MiB / 8 MiB) = 25 parts, no upload is left open, and a rerun sends nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headObject, listAllObjects, listOpenMultipartUploads } from '../support/bucket.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { defaultRunFiles, parseSummaryTotals, readStatusJson } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, makeTestClient, testServerConfig } from '../support/s3-env.js';

const MiB = 1024 * 1024;
const SIZE_BYTES = 200 * MiB;
const PART_SIZE_BYTES = 8 * MiB;
const EXPECTED_PARTS = Math.ceil(SIZE_BYTES / PART_SIZE_BYTES); // 25
const PROJECT_KEY = 'RMI25320';
const KEY = `${PROJECT_KEY}/reels/R001/R001.mp4`;

let client: S3Client;
let bucket: string;
let root: string;
let project: string;
let configPath: string;
let localSha256: string;

beforeAll(async () => {
  client = makeTestClient(getS3Env());
  bucket = await createTestBucket('multipart', client);
  root = await makeTempDir('multipart');
  project = path.join(root, 'project');
  await writeFiles(project, { 'reels/R001/R001.mp4': { sizeBytes: SIZE_BYTES, seed: 'multipart-200MiB' } });
  localSha256 = await sha256Of(createReadStream(path.join(project, 'reels', 'R001', 'R001.mp4')));
  const env = getS3Env();
  configPath = await writeConfig(root, {
    bucket,
    ...testServerConfig(env),
  });
  await chmod(configPath, 0o600);
});

afterAll(async () => {
  client?.destroy();
  await removeTempDirs();
});

async function sha256Of(stream: Readable | AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Uint8Array);
  return hash.digest('hex');
}

/** SHA-256 of the stored object, streamed: 200 MiB never sits in memory. */
async function remoteSha256(key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return sha256Of(response.Body as Readable);
}

async function upload(stateDir: string, extra: string[] = []): Promise<CliResult> {
  const result = await runCli([
    '--config',
    configPath,
    '--folder',
    project,
    '--project-key',
    PROJECT_KEY,
    '--include',
    'reels',
    '--state-dir',
    stateDir,
    ...extra,
  ]);
  expect(result.code, `exit code; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(0);
  return result;
}

describe('a 200 MiB reel', () => {
  let stateDir: string;
  let firstEtag: string;

  it(`is stored by multipart upload in ${EXPECTED_PARTS} parts of 8 MiB, byte for byte`, async () => {
    stateDir = path.join(root, 'state');

    const result = await upload(stateDir);

    expect(parseSummaryTotals(result.stdout)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });
    const objects = await listAllObjects(bucket);
    expect(objects.map((o) => o.key)).toEqual([KEY]);
    const head = await headObject(bucket, KEY);
    expect(head.size).toBe(SIZE_BYTES);
    expect(head.etag).toMatch(new RegExp(`^"?[0-9a-f]{32}-${EXPECTED_PARTS}"?$`));
    expect(head.contentType).toBe('video/mp4');
    expect(await remoteSha256(KEY)).toBe(localSha256);
    firstEtag = head.etag;
  });

  it('leaves no multipart upload open', async () => {
    expect(await listOpenMultipartUploads(bucket)).toEqual([]);
  });

  it('is skipped by a rerun with the same state folder, from the upload log', async () => {
    const result = await upload(stateDir, ['--debug']);

    expect(parseSummaryTotals(result.stdout)).toEqual({ uploaded: 0, skipped: 1, failed: 0 });
    expect(result.stderr).not.toMatch(
      /request (HeadObject|UploadPart|CreateMultipartUpload|PutObject)Command/,
    );
    expect(
      (await readStatusJson(defaultRunFiles(stateDir, bucket, PROJECT_KEY).statusJson)).totals,
    ).toMatchObject({ uploaded: 0, skipped: 1, bytes_uploaded: 0 });
    expect((await headObject(bucket, KEY)).etag).toBe(firstEtag);
  });

  it('is skipped by a rerun from a fresh state folder, from what the bucket says', async () => {
    const result = await upload(path.join(root, 'fresh-state'), ['--debug']);

    expect(parseSummaryTotals(result.stdout)).toEqual({ uploaded: 0, skipped: 1, failed: 0 });
    expect(result.stderr).not.toMatch(/request (UploadPart|CreateMultipartUpload|PutObject)Command/);
    expect((await headObject(bucket, KEY)).etag).toBe(firstEtag);
    expect(await listOpenMultipartUploads(bucket)).toEqual([]);
  });
});

describe('open uploads of the same key when a run completes its own', () => {
  it("aborts one started with it that holds no part, and leaves another run's upload with parts alone", async () => {
    const key = 'ORPHAN1/reels/R001/R001.mp4';
    const dir = path.join(root, 'orphan1');
    await writeFiles(dir, { 'reels/R001/R001.mp4': { sizeBytes: 20 * MiB, seed: 'orphan1' } });
    const start = () => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    // another machine's run, or one with a state folder of its own, sending the key now: it has a part
    const live = (await start()).UploadId!;
    await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: live,
        PartNumber: 1,
        Body: Buffer.alloc(5 * MiB),
      }),
    );
    // what a CreateMultipartUpload whose answer was lost leaves: an upload no part ever goes to
    const lost = (await start()).UploadId!;
    const run = await runCli([
      ...['--config', configPath, '--folder', dir, '--project-key', 'ORPHAN1'],
      ...['--state-dir', path.join(root, 'orphan1-state'), '--quiet'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const open = (await listOpenMultipartUploads(bucket)).filter((u) => u.key === key).map((u) => u.uploadId);
    expect(open).toEqual([live]);
    expect(open).not.toContain(lost);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: live }));
  });
});

describe('a reel uploaded with a CRC asked for, then checked', () => {
  // Swift's s3api refuses checksums in CompleteMultipartUpload and answers a HEAD with PartNumber 405; Ceph RGW
  // keeps no checksums: the object is proven by its size and ETag
  it('is stored byte for byte and proven by check, whatever the server keeps of the CRC', async () => {
    const folder = path.join(root, 'crc-project');
    const [file] = await writeFiles(folder, { 'reels/R002/R002.mp4': { sizeBytes: 20 * MiB, seed: 'crc' } });
    const flags = ['--folder', folder, '--project-key', 'CRC', '--checksum-algorithm', 'CRC32'];
    flags.push('--state-dir', path.join(root, 'crc-state'));
    const sent = await runCli(['--config', configPath, ...flags]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(parseSummaryTotals(sent.stdout)).toEqual({ uploaded: 1, skipped: 0, failed: 0 });
    expect(await remoteSha256('CRC/reels/R002/R002.mp4')).toBe(await sha256Of(createReadStream(file!)));
    // a server that drops the CRC (Ceph RGW 16, Swift's s3api) is named once; one that keeps it, never
    const head = new HeadObjectCommand({
      Bucket: bucket,
      Key: 'CRC/reels/R002/R002.mp4',
      ChecksumMode: 'ENABLED',
    });
    const kept = (await client.send(head)).ChecksumCRC32 !== undefined;
    expect(sent.stderr.split('the server keeps no CRC32 checksums').length - 1).toBe(kept ? 0 : 1);
    const check = await runCli(['check', '--config', configPath, ...flags]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('1 proven');
  });
});

describe.runIf(process.env.S3_TEST_SERVER === 'swift')('settings a server cannot keep (Swift)', () => {
  it.each([
    ['tags', 'TAGS', ['--tag', 'a=b'], 'Object tagging is not supported'],
    ['SSE', 'SSE', ['--sse', 'AES256'], 'Server-side encryption is not supported'],
  ])(
    'stop the run at its first request (%s): exit 2, one line naming the fix, nothing stored',
    async (_s, key, flags, says) => {
      const folder = path.join(root, `${key}-project`);
      await writeFiles(folder, { 'reels/R003/R003.mp4': { sizeBytes: 20 * MiB, seed: key } });
      const run = await runCli(['--config', configPath, '--folder', folder, '--project-key', key, ...flags]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(says);
      expect(run.stderr).toContain('remove it for this endpoint');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect((await listAllObjects(bucket)).filter((o) => o.key.startsWith(`${key}/`))).toEqual([]);
    },
  );
});
