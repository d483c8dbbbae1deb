/**
 * A flaky link shows as it happens: each request of a file's that failed and is sent again gets a line in the plain
 * view (scheduled tasks, CI), a `file-retry` record with --json, a count in the status file and in the summary.
 * Before, a retried request was seen only with --debug, and a file stuck in retries looked like a stalled upload.
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
 * Two failed PutObjects of the small file and one failed UploadPart of the reel: three bodies sent again. (The
 * completion's 500 is retried inside the SDK's client, as every request without a body is, and not counted.)
 */
const RULES: FaultRule[] = [
  { match: { operation: 'PutObject' }, action: 'status-500', times: 2 },
  { match: { operation: 'UploadPart' }, action: 'status-500', after: 1, times: 1 },
  { match: { operation: 'CompleteMultipartUpload' }, action: 'status-500', times: 1 },
];

const harnesses: Harness[] = [];

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
    expect(h.proxy.stats().faultsInjected).toBe(4);
    expect(result.stdout).toContain('Sent ');

    const output = `${result.stdout}\n${result.stderr}`;
    const lines = output.split('\n').filter((line) => / retrying upload /.test(line));
    expect(lines, output).toHaveLength(3);
    expect(lines.filter((l) => l.includes('retrying upload RETRY1/logs/camera.log in '))).toHaveLength(2);
    expect(
      lines.filter((l) => /retrying upload RETRY1\/reels\/R001\/R001\.mp4 part \d+ in /.test(l)),
    ).toHaveLength(1);
    expect(lines[0]).toMatch(/: attempt 1 of 10 failed \(InternalError 500\)$/);
    expect(output).toContain('; 3 requests sent again');

    const status = JSON.parse(await readFile(h.statusJson, 'utf8')) as { totals: { retries: number } };
    expect(status.totals.retries).toBe(3);
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
    expect(retries).toHaveLength(3);
    expect(retries.filter((r) => r['request'] === 'upload RETRY2/logs/camera.log')).toHaveLength(2);
    for (const record of retries) {
      expect(record).toMatchObject({ attempts: 10, reason: 'InternalError 500' });
      expect(record['attempt']).toBeGreaterThanOrEqual(1);
      expect(record['retry_in_seconds']).toBeGreaterThan(0);
      expect(String(record['file'])).toMatch(/camera\.log$|R001\.mp4$/);
    }
  });
});
