/**
 * A bucket in another region than the one configured (none set: us-east-1) is the most common first-run mistake
 * on Amazon S3, which refuses every request signed for the wrong region with a 301 naming the bucket's region in
 * `x-amz-bucket-region` (Swift's s3api and MinIO with a 400 that names it in a GET's error). The AWS CLI follows it;
 * so does the run, with a warning that names the setting to fix.
 * Before, the run stopped at its first request: "open bucket ...: request refused (HTTP 301)", exit 1.
 * The proxy answers so every request not signed for the bucket's region, so each object stored proves that its
 * request went to the bucket's region.
 */
import { describe, expect, it } from 'vitest';
import { listAllObjects } from '../support/bucket.js';
import type { FaultRule } from '../support/fault-proxy.js';
import { writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { getS3Env } from '../support/s3-env.js';
import { MiB, uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

/** The region the server takes (Swift's s3api takes only its own), and the wrong one each run is given. */
const BUCKET_REGION = getS3Env().region;
const GIVEN_REGION = 'eu-west-2';

/** The harness's upload flags with the wrong region. */
function wrongRegionArgs(h: Harness, ...extra: string[]): string[] {
  return uploadArgs(h, '--region', GIVEN_REGION, ...extra);
}

const ELSEWHERE: FaultRule[] = [
  {
    match: { signedForOtherRegionThan: BUCKET_REGION },
    action: 'wrong-region-301',
    bucketRegion: BUCKET_REGION,
    times: Infinity,
  },
];

const FILES = {
  'logs/camera.log': { sizeBytes: 30_000, seed: 'camera' },
  'reels/R001/R001.mp4': { sizeBytes: 20 * MiB, seed: 'reel' },
};

let bucket = '';
const { harness } = useHarnessBucket('region', (created) => (bucket = created));

/** A project of FILES behind a proxy with `rules` (by default: every request not signed for the bucket's region is
 * answered 301). */
async function projectBehind(projectKey: string, rules: FaultRule[] = ELSEWHERE): Promise<Harness> {
  const h = await harness(projectKey, rules);
  await writeFiles(h.projectDir, FILES);
  return h;
}

/** The keys stored under a project's prefix. */
async function storedKeys(projectKey: string): Promise<string[]> {
  return (await listAllObjects(bucket, `${projectKey}/`)).map((o) => o.key).sort();
}

function redirected(h: Harness): string[] {
  return h.proxy
    .stats()
    .log.filter((entry) => entry.fault === 'wrong-region-301')
    .map((entry) => entry.operation);
}

describe('a bucket in another region than the configured one', () => {
  it('is uploaded to in its own region, with a warning naming the setting', async () => {
    expect(GIVEN_REGION).not.toBe(BUCKET_REGION);
    const h = await projectBehind('REGION1');
    const result = await runCli(wrongRegionArgs(h));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `warn bucket ${h.bucket} is in region ${BUCKET_REGION}, not ${GIVEN_REGION}: using ${BUCKET_REGION}; set region: ${BUCKET_REGION} in the config`,
      ),
    );
    // only the bucket's first requests went to the configured region
    expect(new Set(redirected(h))).toEqual(new Set(['HeadBucket']));
    expect(await storedKeys('REGION1')).toEqual(['REGION1/logs/camera.log', 'REGION1/reels/R001/R001.mp4']);

    // a rerun the upload log settles asks the bucket with a probe of its own, which the region refuses too
    h.proxy.resetStats();
    const rerun = await runCli(wrongRegionArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`is in region ${BUCKET_REGION}`);
    expect(rerun.stdout).toMatch(/total +0 \(0 B\) +2 /);
  });

  it('is checked in its own region', async () => {
    const h = await projectBehind('REGION2');
    expect((await runCli(uploadArgs(h))).code).toBe(0);
    const check = await runCli(['check', ...uploadArgs(h).slice(0, 6), '--region', GIVEN_REGION]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('2 proven, 0 missing');
    expect(check.stderr).toContain(`is in region ${BUCKET_REGION}`);
  });

  it('named only in the answer to a GET, as Swift and MinIO name it, is followed too', async () => {
    const h = await projectBehind('REGION5', [
      {
        match: { signedForOtherRegionThan: BUCKET_REGION },
        action: 'wrong-region-400',
        bucketRegion: BUCKET_REGION,
        times: Infinity,
      },
    ]);
    const result = await runCli(wrongRegionArgs(h));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`is in region ${BUCKET_REGION}, not ${GIVEN_REGION}`);
    const refused = h.proxy
      .stats()
      .log.filter((entry) => entry.fault === 'wrong-region-400')
      .map((entry) => entry.operation);
    // the HeadBucket's empty 400 names nothing: one listing asks what it was
    expect(new Set(refused)).toEqual(new Set(['HeadBucket', 'ListObjectsV2']));
    expect(await storedKeys('REGION5')).toEqual(['REGION5/logs/camera.log', 'REGION5/reels/R001/R001.mp4']);
  });

  it('with the region given, is reached without the detour or a warning', async () => {
    const h = await projectBehind('REGION3');
    const result = await runCli(uploadArgs(h, '--region', BUCKET_REGION));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('warn');
    expect(redirected(h)).toEqual([]);
  });

  it('that keeps answering 301 stops the run with exit 2 and what to check', async () => {
    const h = await projectBehind('REGION4', [
      { action: 'wrong-region-301', bucketRegion: BUCKET_REGION, times: Infinity },
    ]);
    const result = await runCli(wrongRegionArgs(h));
    expect(result.code, result.stderr).toBe(2);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('upload-to-s3:'));
    expect(errors).toEqual([
      expect.stringMatching(
        /^upload-to-s3: open bucket \S+: moved permanently \(HTTP 301\); .*set region \/ --region to the bucket's region/,
      ),
    ]);
    expect(await storedKeys('REGION4')).toEqual([]);
  });
});

describe.runIf(process.env.S3_TEST_SERVER === 'swift')('Swift, which takes only its own region', () => {
  it('refuses another region as its s3api does, and the run follows it to its own', async () => {
    const h = await projectBehind('REGION6', []);
    const result = await runCli(wrongRegionArgs(h));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`is in region ${BUCKET_REGION}, not ${GIVEN_REGION}`);
    expect(h.proxy.stats().faultsInjected).toBe(0);
    expect(await storedKeys('REGION6')).toHaveLength(2);
  });
});
