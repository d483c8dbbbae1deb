/**
 * A flaky link shows as it happens: each request of a file's that failed and is sent again gets a line in the plain
 * view (scheduled tasks, CI), a `file-retry` record with --json, a count in the status file and in the summary.
 * Before, a retried request was seen only with --debug, and a file stuck in retries looked like a stalled upload.
 * That holds for the requests the SDK's client retries itself (the completion here) as for the bodies the engine
 * sends again.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { removeTempDirs, writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { createTestBucket } from '../support/s3-env.js';
import { deleteBucket, MiB, startHarness, uploadArgs, type Harness } from './transfer-harness.js';

const FILES = {
  'logs/camera.log': { sizeBytes: 30_000, seed: 'camera' },
  'reels/R001/R001.mp4': { sizeBytes: 24 * MiB, seed: 'reel' },
};

/**
 * Two failed PutObjects of the small file and one failed UploadPart of the reel: three bodies sent again, each after
 * the engine's own wait; and the reel's completion, which the SDK's client sends again itself, at once. The bucket's
 * first answer is a 500 twice: the probe takes any answer as the endpoint's, then the client retries the second.
 */
const RULES: FaultRule[] = [
  { match: { operation: 'HeadBucket' }, action: 'status-500', times: 2 },
  { match: { operation: 'PutObject' }, action: 'status-500', times: 2 },
  { match: { operation: 'UploadPart' }, action: 'status-500', after: 1, times: 1 },
  { match: { operation: 'CompleteMultipartUpload' }, action: 'status-500', times: 1 },
];

const harnesses: Harness[] = [];

interface StatusFile {
  totals: { retries: number; bytes_uploaded: number; bytes_sent: number };
  folder_types: Record<string, { bytes_uploaded: number }>;
}

async function flakyHarness(projectKey: string): Promise<Harness> {
  const h = await startHarness(await createTestBucket('retry-report'), projectKey, RULES);
  harnesses.push(h);
  await writeFiles(h.projectDir, FILES);
  return h;
}

afterAll(async () => {
  for (const h of harnesses) {
    await h.proxy.close();
    await deleteBucket(h.bucket).catch(() => {});
  }
  await removeTempDirs();
});

describe('requests sent again after a failure', () => {
  it('get a line each in the plain view, a count in the summary and in the status file', async () => {
    const h = await flakyHarness('RETRY1');
    const args = uploadArgs(h).filter((a) => a !== '--quiet');
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(0);
    expect(h.proxy.stats().faultsInjected).toBe(6);
    expect(result.stdout).toContain('Sent ');
    // a request of no file's is the run's: a warning, not a file's retry
    expect(result.stderr.split('\n').filter((line) => line.includes('retrying'))).toEqual([
      expect.stringMatching(/ warn retrying open bucket now: attempt 1 of 12 failed: .*HTTP 500/),
    ]);

    const output = `${result.stdout}\n${result.stderr}`;
    const lines = output.split('\n').filter((line) => / retrying upload /.test(line));
    expect(lines, output).toHaveLength(3);
    const completions = output.split('\n').filter((line) => / retrying complete upload of /.test(line));
    expect(completions, output).toEqual([
      expect.stringMatching(
        /retrying complete upload of RETRY1\/reels\/R001\/R001\.mp4 now: attempt 1 of 12 failed \(InternalError 500\)$/,
      ),
    ]);
    expect(lines.filter((l) => l.includes('retrying upload RETRY1/logs/camera.log in '))).toHaveLength(2);
    expect(
      lines.filter((l) => /retrying upload RETRY1\/reels\/R001\/R001\.mp4 part \d+ in /.test(l)),
    ).toHaveLength(1);
    expect(lines[0]).toMatch(/: attempt 1 of 10 failed \(InternalError 500\)$/);
    expect(output).toContain('; 4 requests sent again');

    const status = JSON.parse(await readFile(h.statusJson, 'utf8')) as StatusFile;
    expect(status.totals.retries).toBe(4);
    // the part sent again counts once in what was uploaded, twice in what went on the wire
    const contentBytes = FILES['logs/camera.log'].sizeBytes + FILES['reels/R001/R001.mp4'].sizeBytes;
    expect(status.totals.bytes_uploaded).toBe(contentBytes);
    expect(status.totals.bytes_sent).toBeGreaterThan(contentBytes);
    expect(status.folder_types['reels']?.bytes_uploaded).toBe(24 * MiB);
    expect(status.folder_types['logs']?.bytes_uploaded).toBe(30_000);
    expect(result.stdout).toMatch(
      /^Sent 24\.0 MiB in \S+ \(average .*\); 4 requests sent again; 3\d\.\d MiB on the wire$/m,
    );
  });

  it('are file-retry records with --json', async () => {
    const h = await flakyHarness('RETRY2');
    const result = await runCli([...uploadArgs(h).filter((a) => a !== '--quiet'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const retries = records.filter((r) => r['type'] === 'file-retry');
    expect(retries).toHaveLength(4);
    expect(retries.filter((r) => r['request'] === 'upload RETRY2/logs/camera.log')).toHaveLength(2);
    const completion = retries.find((r) => r['request'] === 'complete upload of RETRY2/reels/R001/R001.mp4');
    const bodies = retries.filter((r) => r !== completion);
    expect(completion).toMatchObject({
      request: 'complete upload of RETRY2/reels/R001/R001.mp4',
      attempt: 1,
      attempts: 12,
      reason: 'InternalError 500',
      retry_in_seconds: 0,
    });
    expect(String(completion?.['file'])).toMatch(/R001\.mp4$/);
    for (const record of bodies) {
      expect(record).toMatchObject({ attempts: 10, reason: 'InternalError 500' });
      expect(record['attempt']).toBeGreaterThanOrEqual(1);
      expect(record['retry_in_seconds']).toBeGreaterThan(0);
      expect(String(record['file'])).toMatch(/camera\.log$|R001\.mp4$/);
    }
  });
});
