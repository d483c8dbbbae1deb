/**
 * The per-project lock in <state-dir>/locks: a second run of the same project and bucket exits 3 with one line
 * naming the running process and sends nothing; a lock left by a killed run, or by a pid now reused, is taken
 * over, a live run's never, whatever its age. `cleanup` takes the same lock. With --bucket-lock a lock object in
 * the bucket does the same for runs with separate state folders (another machine).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, writeFiles, type FileContent } from '../support/fixtures.js';
import { plantForeignBucketLock } from '../support/foreign-lock.js';
import { runCli, spawnCli, type CliResult, type RunningCli } from '../support/run-cli.js';
import { createTestBucket, makeTestClient } from '../support/s3-env.js';
import { readProcessStartTimeMs } from '../../src/process-start-time.js';
import {
  describeFiles,
  expectStoredExactly,
  listKeys,
  MiB,
  openUploadsUnder,
  openWorld,
  worldArgs,
  type World,
} from './reliability-world.js';
import { deleteBucket } from './transfer-harness.js';

const PROJECT: Record<string, FileContent> = Object.fromEntries(
  Array.from({ length: 4 }, (_, i) => [`logs/run-${i}.log`, { sizeBytes: 5_000 + i, seed: `lock-${i}` }]),
);
const SLOW_PUTS = [
  { match: { operation: 'PutObject' as const }, action: 'delay' as const, delayMs: 2000, times: Infinity },
];

let bucket: string;
const worlds: World[] = [];

beforeAll(async () => {
  bucket = await createTestBucket('lock');
});

afterAll(async () => {
  await Promise.all(worlds.map((w) => w.proxy.close()));
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

async function slowWorld(projectKey: string, seed: number): Promise<World> {
  const w = await openWorld({ bucket, projectKey, seed, rules: SLOW_PUTS });
  worlds.push(w);
  await writeFiles(w.projectDir, PROJECT);
  return w;
}

async function lockFiles(w: World): Promise<string[]> {
  return (await readdir(path.join(w.stateDir, 'locks')).catch(() => [] as string[])).map((name) =>
    path.join(w.stateDir, 'locks', name),
  );
}

/** Resolves once the run is uploading (it took the lock before planning). */
async function waitForFirstPut(w: World, cli: RunningCli): Promise<void> {
  while (!w.proxy.stats().log.some((e) => e.operation === 'PutObject')) {
    if (cli.child.exitCode !== null) throw new Error(`the run ended before uploading:\n${cli.stderr()}`);
    await sleep(20);
  }
}

/** Exit 3 and exactly one line on stderr, naming `pid`, without a stack trace. */
function expectLockedOut(run: CliResult, pid: number): void {
  expect(run.code, run.stderr).toBe(3);
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^upload-to-s3: lock .*another upload of this project is running/);
  expect(lines[0]).toContain(`pid ${pid}`);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('two runs of the same project', () => {
  it('the second exits 3 at once, naming the pid of the running one, and sends nothing', async () => {
    const w = await slowWorld('LOCK-BUSY', 401);
    // the first run's uploads wait at the proxy until the second run has ended: it is uploading, whatever the load
    w.proxy.setRules([{ match: { operation: 'PutObject' }, action: 'hold', times: Infinity }]);
    const first = spawnCli(worldArgs(w, '--max-concurrency', '1'));
    while (w.proxy.held() < 1) {
      if (first.child.exitCode !== null)
        throw new Error(`the run ended before uploading:\n${first.stderr()}`);
      await sleep(20);
    }
    const headBuckets = w.proxy.stats().byOperation.HeadBucket;

    const second = await runCli(worldArgs(w, '--max-concurrency', '1'), { timeoutMs: 60_000 });
    expectLockedOut(second, first.child.pid!);
    expect(first.child.exitCode, 'the first run must still be uploading').toBeNull();
    // the lock is taken before connecting: the second run asked the server nothing
    expect(w.proxy.stats().byOperation.HeadBucket).toBe(headBuckets);

    w.proxy.setRules([]);
    w.proxy.release();
    const done = await first.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(await lockFiles(w)).toEqual([]);
    await expectStoredExactly(bucket, `${w.projectKey}/`, await describeFiles(w, Object.keys(PROJECT)));
  });
});

describe('a lock nobody holds any more', () => {
  let w: World;
  let lockFile: string;

  it('left by a run killed with SIGKILL, is taken over by the next run', async () => {
    w = await slowWorld('LOCK-STALE', 402);
    const killed = spawnCli(worldArgs(w, '--max-concurrency', '1'));
    await waitForFirstPut(w, killed);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const locks = await lockFiles(w);
    expect(locks).toHaveLength(1);
    lockFile = locks[0]!;
    const holder = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number };
    expect(holder.pid).toBe(killed.child.pid);
    expect(isAlive(holder.pid)).toBe(false);

    w.proxy.setRules([]);
    const next = await runCli(worldArgs(w));
    expect(next.code, next.stderr).toBe(0);
    expect(await lockFiles(w)).toEqual([]);
    await expectStoredExactly(bucket, `${w.projectKey}/`, await describeFiles(w, Object.keys(PROJECT)));
  });

  it.runIf(process.platform === 'linux')(
    'held by a live process for two days is not taken over; the same pid with another start time (reused) is',
    async () => {
      const live = process.pid;
      const startMs = (await readProcessStartTimeMs(live))!;
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000).toISOString();
      const holder = (processStartMs: number) =>
        JSON.stringify({
          host: hostname(),
          pid: live,
          processStartedAt: new Date(processStartMs).toISOString(),
          token: 'held-by-the-test',
          acquiredAt: twoDaysAgo,
          refreshedAt: twoDaysAgo,
        });
      await writeFile(lockFile, holder(startMs));
      expectLockedOut(await runCli(worldArgs(w)), live);

      await writeFile(lockFile, holder(startMs - 60 * 60 * 1000));
      const next = await runCli(worldArgs(w));
      expect(next.code, next.stderr).toBe(0);
      expect(await lockFiles(w)).toEqual([]);
    },
  );
});

/** Resolves once the proxy has received a request of `operation` whose target contains `urlPart`. */
async function waitForRequest(w: World, cli: RunningCli, operation: string, urlPart = ''): Promise<void> {
  while (!w.proxy.stats().log.some((e) => e.operation === operation && e.url.includes(urlPart))) {
    if (cli.child.exitCode !== null) throw new Error(`the run ended before ${operation}:\n${cli.stderr()}`);
    await sleep(20);
  }
}

/** Stops a run with one SIGINT (it releases its locks on the way out) and waits for it. */
async function interrupt(cli: RunningCli): Promise<CliResult> {
  cli.child.kill('SIGINT');
  return cli.exited;
}

function cleanupArgs(w: World, ...extra: string[]): string[] {
  return [
    'cleanup',
    '--config',
    w.configPath,
    '--project-key',
    w.projectKey,
    '--state-dir',
    w.stateDir,
    ...extra,
  ];
}

describe('cleanup', () => {
  it('refuses with exit 3 while an upload of the project runs, and aborts nothing; it cleans up once the run ends', async () => {
    const w = await openWorld({
      bucket,
      projectKey: 'LOCK-CLEANUP',
      seed: 403,
      rules: [{ match: { operation: 'UploadPart' }, action: 'stall', times: Infinity }],
    });
    worlds.push(w);
    await writeFiles(w.projectDir, { 'reels/R001.mp4': { sizeBytes: 10 * MiB, seed: 'lock-reel' } });
    const upload = spawnCli(worldArgs(w, '--max-concurrency', '1'));
    // held here: the multipart upload exists and its first part never gets an answer
    await waitForRequest(w, upload, 'UploadPart');
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toHaveLength(1);

    // the state folder from the environment here, --state-dir below: cleanup honours both
    const refused = await runCli(
      ['cleanup', '--config', w.configPath, '--project-key', w.projectKey, '--older-than', '0'],
      { timeoutMs: 60_000, env: { UPLOAD_TO_S3_STATE_DIR: w.stateDir } },
    );
    expectLockedOut(refused, upload.child.pid!);
    // the dry run ends as the cleanup would: the running upload is not stale, however old
    const preview = await runCli(cleanupArgs(w, '--older-than', '0', '--dry-run'));
    expectLockedOut(preview, upload.child.pid!);
    expect(preview.stdout).not.toContain('would abort');
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toHaveLength(1);
    expect(w.proxy.stats().byOperation.AbortMultipartUpload ?? 0).toBe(0);

    const stopped = await interrupt(upload);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(await lockFiles(w)).toEqual([]);
    const cleaned = await runCli(cleanupArgs(w, '--older-than', '0'));
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('1 aborted');
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toEqual([]);
  });
});

describe('the bucket lock (--bucket-lock)', () => {
  let client: S3Client | undefined;
  const s3 = () => (client ??= makeTestClient());
  const lockKey = (w: World) => `${w.projectKey}/.upload-to-s3.lock`;

  async function plantBucketLock(w: World, refreshedAgoMs: number): Promise<void> {
    await plantForeignBucketLock(bucket, lockKey(w), refreshedAgoMs);
  }

  async function lockObject(w: World): Promise<Record<string, unknown> | undefined> {
    if (!(await listKeys(bucket, lockKey(w))).includes(lockKey(w))) return undefined;
    const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: lockKey(w) }));
    return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
  }

  it('stops a second run from another state folder while the first uploads, naming its host and pid', async () => {
    const w = await openWorld({
      bucket,
      projectKey: 'LOCK-BUCKET',
      seed: 404,
      rules: [{ match: { operation: 'PutObject', keyIncludes: 'logs/' }, action: 'stall', times: Infinity }],
    });
    worlds.push(w);
    await writeFiles(w.projectDir, PROJECT);
    const first = spawnCli(worldArgs(w, '--bucket-lock', '--max-concurrency', '1'));
    await waitForRequest(w, first, 'PutObject', '/logs/');
    expect(await lockObject(w)).toMatchObject({ host: hostname(), pid: first.child.pid });

    const otherState = path.join(w.root, 'other-state');
    const second = await runCli(worldArgs(w, '--bucket-lock', '--state-dir', otherState), {
      timeoutMs: 60_000,
    });
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^upload-to-s3: bucket lock s3://${bucket}/LOCK-BUCKET/\\.upload-to-s3\\.lock: another upload of this project is running \\(host ${hostname()}, pid ${first.child.pid}, since `,
      ),
    );
    expect(second.stderr).toMatch(
      /\(a run that died leaves it to be taken over after \d{4}-\d\d-\d\dT[\d:.]+Z\)/,
    );

    const stopped = await interrupt(first);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(await lockObject(w), 'released by its owner on the way out').toBeUndefined();
    w.proxy.setRules([]);
    const again = await runCli(worldArgs(w, '--bucket-lock', '--state-dir', otherState));
    expect(again.code, again.stderr).toBe(0);
    await expectStoredExactly(bucket, `${w.projectKey}/`, await describeFiles(w, Object.keys(PROJECT)));
  });

  it('refuses a lock another machine refreshed within the lease, and takes over one silent for longer', async () => {
    const w = await openWorld({ bucket, projectKey: 'LOCK-BUCKET-STALE', seed: 405 });
    worlds.push(w);
    await writeFiles(w.projectDir, PROJECT);
    await plantBucketLock(w, 60_000);
    const refused = await runCli(worldArgs(w, '--bucket-lock'));
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain('(host survey-van-2, pid 4242, since ');
    expect(await lockObject(w)).toMatchObject({ token: 'van' });

    await plantBucketLock(w, 11 * 60_000);
    w.proxy.resetStats();
    const next = await runCli(worldArgs(w, '--bucket-lock'));
    expect(next.code, next.stderr).toBe(0);
    // replaced (one conditional PUT of the lock), then removed on release
    expect(
      w.proxy.stats().log.filter((e) => e.operation === 'PutObject' && e.url.includes('.upload-to-s3.lock'))
        .length,
    ).toBeGreaterThanOrEqual(2);
    expect(await lockObject(w)).toBeUndefined();
    await expectStoredExactly(bucket, `${w.projectKey}/`, await describeFiles(w, Object.keys(PROJECT)));
  });
});
