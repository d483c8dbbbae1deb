/**
 * The per-project lock in <state-dir>/locks: a second run of the same project and bucket exits 3 with one line
 * naming the running process and sends nothing; a lock left by a killed run, or one older than a day, is taken over.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, writeFiles, type FileContent } from '../support/fixtures.js';
import { runCli, spawnCli, type CliResult, type RunningCli } from '../support/run-cli.js';
import { createTestBucket } from '../support/s3-env.js';
import { describeFiles, expectStoredExactly, openWorld, worldArgs, type World } from './reliability-world.js';
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
    const first = spawnCli(worldArgs(w, '--max-concurrency', '1'));
    await waitForFirstPut(w, first);
    const headBuckets = w.proxy.stats().byOperation.HeadBucket;

    const second = await runCli(worldArgs(w, '--max-concurrency', '1'), { timeoutMs: 60_000 });
    expectLockedOut(second, first.child.pid!);
    expect(first.child.exitCode, 'the first run must still be uploading').toBeNull();
    // the lock is taken before connecting: the second run asked the server nothing
    expect(w.proxy.stats().byOperation.HeadBucket).toBe(headBuckets);

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

  it('held by a live process for over a day (a reused pid), is taken over; a fresh one of that process is not', async () => {
    const live = process.pid;
    await writeFile(lockFile, JSON.stringify({ pid: live, startedAt: Date.now() - 60_000 }));
    expectLockedOut(await runCli(worldArgs(w)), live);

    await writeFile(lockFile, JSON.stringify({ pid: live, startedAt: Date.now() - 25 * 60 * 60 * 1000 }));
    const next = await runCli(worldArgs(w));
    expect(next.code, next.stderr).toBe(0);
    expect(await lockFiles(w)).toEqual([]);
  });
});
