/**
 * `cleanup` against servers that lack a multipart request: one that cannot list open uploads (501 NotImplemented,
 * as s3rver answers ListMultipartUploads; 405 from some Swift gateways) and one that refuses AbortMultipartUpload
 * (405). The proxy answers those requests in the server's place; everything else reaches the real server, which
 * is then asked what is still open. Cleanup aborts (or with --dry-run lists) what this machine's journals name,
 * and ends with one line saying what the server cannot do and what was done, exit 2; the upload run beside it
 * resumes as before and only warns about what it cannot abort.
 */
import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { removeTempDirs, writeFiles } from '../support/fixtures.js';
import { runCli, spawnCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, makeTestClient } from '../support/s3-env.js';
import { MiB, openUploadsUnder, openWorld, worldArgs, type World } from './reliability-world.js';
import { deleteBucket } from './transfer-harness.js';

const NO_LISTING: FaultRule = {
  match: { operation: 'ListMultipartUploads' },
  action: 'not-implemented-501',
  times: Infinity,
};
const NO_ABORT: FaultRule = {
  match: { operation: 'AbortMultipartUpload' },
  action: 'method-not-allowed-405',
  times: Infinity,
};

let bucket: string;
const worlds: World[] = [];

beforeAll(async () => {
  bucket = await createTestBucket('cleanup');
});

afterAll(async () => {
  await Promise.all(worlds.map((w) => w.proxy.close()));
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

/**
 * A world whose project holds one 10 MiB reel whose upload was interrupted after it started (its journal names
 * it), and one more upload under the project's prefix that another machine started (no journal here).
 */
async function interruptedWorld(
  projectKey: string,
  seed: number,
): Promise<World & { foreignUploadId: string }> {
  const w = await openWorld({
    bucket,
    projectKey,
    seed,
    rules: [{ match: { operation: 'UploadPart' }, action: 'stall', times: Infinity }],
  });
  worlds.push(w);
  await writeFiles(w.projectDir, { 'reels/R001.mp4': { sizeBytes: 10 * MiB, seed: `${projectKey}-reel` } });
  const upload = spawnCli(worldArgs(w, '--max-concurrency', '1'));
  while (!w.proxy.stats().log.some((e) => e.operation === 'UploadPart')) {
    if (upload.child.exitCode !== null)
      throw new Error(`the run ended before uploading:\n${upload.stderr()}`);
    await sleep(20);
  }
  upload.child.kill('SIGINT');
  const stopped = await upload.exited;
  expect(stopped.code, stopped.stderr).toBe(130);
  const client = makeTestClient();
  const foreign = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${projectKey}/reels/R002-elsewhere.mp4` }),
  );
  client.destroy();
  w.proxy.setRules([]);
  w.proxy.resetStats();
  return { ...w, foreignUploadId: foreign.UploadId! };
}

function cleanupArgs(w: World, ...extra: string[]): string[] {
  const common = ['--config', w.configPath, '--project-key', w.projectKey, '--state-dir', w.stateDir];
  return ['cleanup', ...common, '--older-than', '0', ...extra];
}

async function journalFiles(w: World): Promise<string[]> {
  return readdir(path.join(w.stateDir, 'journals')).catch(() => [] as string[]);
}

/** The one line on stderr, which names no stack and no unexpected error. */
function errorLine(run: CliResult): string {
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toContain('unexpected error');
  return lines[0]!;
}

describe('cleanup where the server cannot list multipart uploads (501)', () => {
  it("lists with --dry-run, then aborts, the uploads this machine's journals name, and says the server keeps the others (exit 2)", async () => {
    const w = await interruptedWorld('CLEAN-501', 501);
    const [journaled] = (await openUploadsUnder(bucket, `${w.projectKey}/reels/R001`)).map(
      (open) => open.split(' ')[1],
    );
    w.proxy.setRules([NO_LISTING]);
    const where = `cleanup s3://${bucket}/${w.projectKey}/: the server at ${w.proxy.endpoint} cannot list multipart uploads (NotImplemented, HTTP 501)`;
    const others =
      'others, started on another machine or with another state folder, can only be removed on the server';

    const listed = await runCli(cleanupArgs(w, '--dry-run'));
    expect(listed.code, listed.stderr).toBe(2);
    expect(errorLine(listed)).toBe(
      `upload-to-s3: ${where}; would abort 1 stale upload this machine's journals name (listed above); ${others} (its own tools, or a lifecycle rule where it has them)`,
    );
    expect(listed.stdout).toContain(
      `would abort ${w.projectKey}/reels/R001.mp4 (upload ${journaled}, started `,
    );
    expect(listed.stdout).toContain(
      `1 open upload this machine's journals name under s3://${bucket}/${w.projectKey}/; 1 stale`,
    );
    expect(w.proxy.stats().byOperation.AbortMultipartUpload ?? 0).toBe(0);

    const cleaned = await runCli(cleanupArgs(w));
    expect(cleaned.code, cleaned.stderr).toBe(2);
    expect(errorLine(cleaned)).toContain(
      `${where}; aborted 1 stale upload this machine's journals name; ${others}`,
    );
    expect(cleaned.stdout).toContain(
      `aborting ${w.projectKey}/reels/R001.mp4 (upload ${journaled}, started `,
    );
    expect(cleaned.stdout).toContain('; 1 aborted');
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toEqual([
      `${w.projectKey}/reels/R002-elsewhere.mp4 ${w.foreignUploadId}`,
    ]);
    expect(await journalFiles(w)).toEqual([]);

    const again = await runCli(cleanupArgs(w));
    expect(again.code, again.stderr).toBe(2);
    expect(errorLine(again)).toContain(
      `${where}; this machine's journals name no stale upload there; ${others}`,
    );
  });

  it('with --json prints the records, a summary naming the journals as the source, and the error record', async () => {
    const w = await interruptedWorld('CLEAN-501-JSON', 502);
    w.proxy.setRules([{ ...NO_LISTING, action: 'method-not-allowed-405' }]);
    const listed = await runCli(cleanupArgs(w, '--dry-run', '--json'));
    expect(listed.code, listed.stderr).toBe(2);
    const records = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({ type: 'would-abort', key: `${w.projectKey}/reels/R001.mp4` }),
      {
        type: 'cleanup',
        bucket,
        prefix: `${w.projectKey}/`,
        source: 'journals',
        open: 1,
        stale: 1,
        aborted: 0,
      },
      expect.objectContaining({
        type: 'error',
        exit_code: 2,
        message: expect.stringContaining('cannot list multipart uploads (MethodNotAllowed, HTTP 405)'),
      }),
    ]);
  });
});

describe('cleanup where the server refuses AbortMultipartUpload (405)', () => {
  it('stops at the first refusal, says how many were aborted, and keeps the journal for the next run (exit 2)', async () => {
    const w = await interruptedWorld('CLEAN-405', 405);
    w.proxy.setRules([NO_ABORT]);
    const refused = await runCli(cleanupArgs(w));
    expect(refused.code, refused.stderr).toBe(2);
    expect(errorLine(refused)).toBe(
      `upload-to-s3: cleanup s3://${bucket}/${w.projectKey}/: the server at ${w.proxy.endpoint} cannot abort multipart uploads (MethodNotAllowed, HTTP 405); aborted 0 of 2 stale uploads; the others can only be removed on the server (its own tools, or a lifecycle rule where it has them)`,
    );
    expect(refused.stdout).not.toContain('aborting');
    expect(w.proxy.stats().byOperation.AbortMultipartUpload).toBe(1);
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toHaveLength(2);
    expect(await journalFiles(w)).toHaveLength(1);
  });

  it('says so of both where the server can neither list nor abort (s3rver)', async () => {
    const w = await interruptedWorld('CLEAN-501-405', 406);
    w.proxy.setRules([NO_LISTING, NO_ABORT]);
    const refused = await runCli(cleanupArgs(w));
    expect(refused.code, refused.stderr).toBe(2);
    expect(errorLine(refused)).toContain(
      `the server at ${w.proxy.endpoint} cannot list multipart uploads (NotImplemented, HTTP 501) nor abort them (MethodNotAllowed, HTTP 405); aborted 0 of 1 stale upload this machine's journals name; the others can only be removed on the server`,
    );
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toHaveLength(2);
    expect(await journalFiles(w)).toHaveLength(1);
  });
});

describe('an upload run where the server can neither list nor abort multipart uploads', () => {
  it('asks for the listing once, however many reels it completes', async () => {
    const w = await openWorld({ bucket, projectKey: 'CLEAN-ONCE', seed: 409, rules: [NO_LISTING] });
    worlds.push(w);
    await writeFiles(w.projectDir, {
      'reels/R001.mp4': { sizeBytes: 10 * MiB, seed: 'once-1' },
      'reels/R002.mp4': { sizeBytes: 10 * MiB, seed: 'once-2' },
      'reels/R003.mp4': { sizeBytes: 10 * MiB, seed: 'once-3' },
    });
    const run = await runCli(worldArgs(w));
    expect(run.code, run.stderr).toBe(0);
    const log = w.proxy.stats().log;
    expect(log.filter((e) => e.operation === 'CompleteMultipartUpload')).toHaveLength(3);
    expect(log.filter((e) => e.operation === 'ListMultipartUploads')).toHaveLength(1);
  });

  it('resumes the interrupted upload and completes it (exit 0)', async () => {
    const w = await interruptedWorld('CLEAN-RUN', 407);
    w.proxy.setRules([NO_LISTING, NO_ABORT]);
    const run = await runCli(worldArgs(w));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('unexpected error');
    expect(await openUploadsUnder(bucket, `${w.projectKey}/reels/R001`)).toEqual([]);
    expect(await journalFiles(w)).toEqual([]);
  });

  it('warns once that the upload an earlier run left under a key it no longer plans stays open (exit 0)', async () => {
    const w = await interruptedWorld('CLEAN-LEFT', 408);
    await rename(path.join(w.projectDir, 'reels'), path.join(w.projectDir, 'reels-moved'));
    await writeFiles(w.projectDir, { 'reels/R001.json': { sizeBytes: 1_000, seed: 'left-sidecar' } });
    w.proxy.setRules([NO_LISTING, NO_ABORT]);
    const run = await runCli(worldArgs(w));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `could not abort the unfinished upload of ${w.projectKey}/reels/R001.mp4 left by an earlier run: the server cannot abort multipart uploads (MethodNotAllowed, HTTP 405); they can only be removed on the server`,
    );
    expect(run.stderr).not.toContain('run upload-to-s3 cleanup later');
    expect(await journalFiles(w)).toHaveLength(1);
  });
});
