/**
 * A machine whose clock is off by more than S3's 15 minutes (a field laptop with a flat clock battery or the wrong
 * time zone): every request it signs on its own time is refused (RequestTimeTooSkewed, 403). The run signs on the
 * server's time instead, learnt from the first answer, for every sender alike: the SDK's clients and the lean
 * PutObject. Before, the first small file's refusal stopped the run (exit 2, "check that these credentials may
 * write"), and every HeadObject of an object not there yet was sent up to 12 times.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObjectBytes, listAllObjects, listOpenMultipartUploads } from '../support/bucket.js';
import type { ProxyStats } from '../support/fault-proxy.js';
import { plantForeignBucketLock } from '../support/foreign-lock.js';
import { makeBytes, removeTempDirs, writeFiles } from '../support/fixtures.js';
import { PROJECT_ROOT, runCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, makeTestClient } from '../support/s3-env.js';
import { deleteBucket, MiB, startHarness, uploadArgs, type Harness } from './transfer-harness.js';

const MINUTE = 60_000;
const SKEWED_CLOCK = path.join(PROJECT_ROOT, 'test', 'support', 'skewed-clock.mjs');

const FILES = {
  'config/survey.yaml': 'crew: 2\n',
  'logs/camera.log': { sizeBytes: 40_000, seed: 'camera' },
  'reels/R001/R001.json': '{"reel":1}\n',
  // large enough for a multipart upload: CreateMultipartUpload, UploadPart and Complete are signed too
  'reels/R001/R001.mp4': { sizeBytes: 24 * MiB, seed: 'reel' },
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness(await createTestBucket('clock-skew'), 'SKEW1');
  await writeFiles(h.projectDir, FILES);
});

afterAll(async () => {
  await h.proxy.close();
  await deleteBucket(h.bucket).catch(() => {});
  await removeTempDirs();
});

/** Runs the CLI on a machine whose clock is `skewMs` off the server's. */
function runSkewed(skewMs: number, args: string[]): Promise<CliResult> {
  return runCli(args, {
    env: {
      NODE_OPTIONS: `--import=${pathToFileURL(SKEWED_CLOCK).href}`,
      UPLOAD_TO_S3_TEST_CLOCK_SKEW_MS: String(skewMs),
    },
  });
}

/** Requests answered `status`, by operation. */
function answered(stats: ProxyStats, status: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of stats.log)
    if (entry.status === status) counts[entry.operation] = (counts[entry.operation] ?? 0) + 1;
  return counts;
}

describe('a clock 40 minutes fast', () => {
  it('uploads every file, signed on the server time after one refused request, each HeadObject asked once', async () => {
    h.proxy.resetStats();
    const result = await runSkewed(40 * MINUTE, uploadArgs(h));
    expect(result.code, result.stderr).toBe(0);

    const stored = await listAllObjects(h.bucket, 'SKEW1/');
    expect(stored.map((o) => [o.key, o.size]).sort()).toEqual(
      [
        ['SKEW1/config/survey.yaml', 8],
        ['SKEW1/logs/camera.log', 40_000],
        ['SKEW1/reels/R001/R001.json', 11],
        ['SKEW1/reels/R001/R001.mp4', 24 * MiB],
      ].sort(),
    );
    expect(await getObjectBytes(h.bucket, 'SKEW1/logs/camera.log')).toEqual(makeBytes(40_000, 'camera'));

    const stats = h.proxy.stats();
    // the bucket's first request learns the server's time; nothing after it is refused for the time
    expect(Object.values(answered(stats, 403)).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    const missing = stats.log.filter((e) => e.operation === 'HeadObject' && e.status === 404);
    expect(missing.length).toBeGreaterThan(0);
    expect(new Set(missing.map((e) => e.url)).size).toBe(missing.length);
  });
});

describe('a clock 10 minutes fast, which S3 accepts', () => {
  it('asks for each new object once: a 404 is not retried as a clock correction', async () => {
    const other = await startHarness(h.bucket, 'SKEW10');
    try {
      await writeFiles(other.projectDir, {
        'logs/a.log': 'a\n',
        'logs/b.log': 'b\n',
        'config/c.yaml': 'c: 1\n',
      });
      const result = await runSkewed(10 * MINUTE, uploadArgs(other));
      expect(result.code, result.stderr).toBe(0);
      const stats = other.proxy.stats();
      expect(answered(stats, 403)).toEqual({});
      const missing = stats.log.filter((e) => e.operation === 'HeadObject' && e.status === 404);
      expect(missing).toHaveLength(3);
      expect(new Set(missing.map((e) => e.url)).size).toBe(3);
    } finally {
      await other.proxy.close();
    }
  });
});

describe('a clock 90 minutes slow, on the next run', () => {
  it('finds every file sent (the upload log, checked against the bucket) and sends nothing', async () => {
    h.proxy.resetStats();
    const result = await runSkewed(-90 * MINUTE, uploadArgs(h));
    expect(result.code, result.stderr).toBe(0);
    const stats = h.proxy.stats();
    expect(stats.byOperation.PutObject ?? 0).toBe(0);
    expect(stats.byOperation.UploadPart ?? 0).toBe(0);
  });

  it('check proves every file against the bucket', async () => {
    const args = uploadArgs(h).filter((a) => a !== '--quiet');
    const result = await runSkewed(-90 * MINUTE, ['check', ...checkArgs(args)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('4 files: 4 proven, 0 missing, 0 different, 0 unproven');
  });
});

describe('cleanup on a clock 40 minutes fast', () => {
  it('leaves an upload started a minute ago by the server clock with --older-than 30m, and aborts it with 0', async () => {
    const key = 'SKEW1/reels/R002/R002.mp4';
    await makeTestClient().send(new CreateMultipartUploadCommand({ Bucket: h.bucket, Key: key }));
    const cleanup = (olderThan: string) =>
      runSkewed(40 * MINUTE, [
        'cleanup',
        ...['--config', h.configPath, '--project-key', h.projectKey, '--state-dir', h.stateDir],
        ...['--older-than', olderThan],
      ]);

    const young = await cleanup('30m');
    expect(young.code, young.stderr).toBe(0);
    expect(young.stdout).toContain('1 open upload under');
    expect(young.stdout).toContain('0 aborted; 1 started within 30m, kept (--older-than 0 takes all)');
    expect((await listOpenMultipartUploads(h.bucket)).map((u) => u.key)).toEqual([key]);

    const all = await cleanup('0');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('1 aborted');
    expect(await listOpenMultipartUploads(h.bucket)).toEqual([]);
  });
});

// Swift's s3api has no conditional PUT, so no bucket lock (a run asking for one stops, exit 2)
describe.skipIf(process.env.S3_TEST_SERVER === 'swift')('the bucket lock on a clock 40 minutes fast', () => {
  it("refuses a lock another machine refreshed a minute ago by the server's clock, and takes one silent for 11", async () => {
    const other = await startHarness(h.bucket, 'SKEWLOCK');
    try {
      await writeFiles(other.projectDir, { 'logs/a.log': 'a\n' });
      const plantLock = (refreshedAgoMs: number) =>
        plantForeignBucketLock(h.bucket, 'SKEWLOCK/.upload-to-s3.lock', refreshedAgoMs);
      await plantLock(MINUTE);
      const refused = await runSkewed(40 * MINUTE, uploadArgs(other, '--bucket-lock'));
      expect(refused.code, refused.stderr).toBe(3);
      expect(refused.stderr).toContain('(host survey-van-2, pid 4242, since ');

      await plantLock(11 * MINUTE);
      const taken = await runSkewed(40 * MINUTE, uploadArgs(other, '--bucket-lock'));
      expect(taken.code, taken.stderr).toBe(0);
      expect((await listAllObjects(h.bucket, 'SKEWLOCK/')).map((o) => o.key)).toEqual([
        'SKEWLOCK/logs/a.log',
      ]);
    } finally {
      await other.proxy.close();
    }
  });
});

/** The options `check` shares with an upload: config, folder, project key and state folder. */
function checkArgs(args: string[]): string[] {
  const kept: string[] = [];
  for (const flag of ['--config', '--folder', '--project-key', '--state-dir']) {
    const at = args.indexOf(flag);
    kept.push(flag, args[at + 1] ?? '');
  }
  return kept;
}
