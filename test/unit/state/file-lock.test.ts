/**
 * The short-lived lock file that serialises writers of one shared file, on real temp files.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock, withFileLock } from '../../../src/state/file-lock.js';

// far above any pid_max, so no process has it
const DEAD_PID = 0x3fffffff;

let dir: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-lock-'));
  lockPath = join(dir, 'upload-log.csv.lock');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeHolder(pid: number, acquiredAt: number, host = hostname()): Promise<void> {
  await writeFile(lockPath, JSON.stringify({ pid, hostname: host, acquiredAt, token: 'theirs' }));
}

describe('acquireFileLock', () => {
  it('makes a second taker wait until the first releases', async () => {
    const order: string[] = [];
    const releaseFirst = await acquireFileLock(lockPath);
    const second = withFileLock(lockPath, async () => {
      order.push('second');
    });
    // gives a taker that ignored the lock every chance to go first; a correct one waits however long this is
    await sleep(100);
    order.push('first done');
    await releaseFirst();
    await second;
    expect(order).toEqual(['first done', 'second']);
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose holder is a dead process on this host', async () => {
    await writeHolder(DEAD_PID, Date.now());
    const release = await acquireFileLock(lockPath, { timeoutMs: 0 });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
  });

  it('takes over a lock held longer than the stale age, even by a live process', async () => {
    const nowMs = Date.UTC(2026, 0, 1);
    await writeHolder(process.pid, nowMs - 61_000);
    const release = await acquireFileLock(lockPath, { timeoutMs: 0, now: () => nowMs });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ acquiredAt: nowMs });
    await release();
  });

  it('waits for a live holder on another host, whose pid means nothing here, and names it on timeout', async () => {
    await writeHolder(DEAD_PID, Date.now(), 'other-host');
    await expect(acquireFileLock(lockPath, { timeoutMs: 0 })).rejects.toThrow(
      `held by process ${DEAD_PID} on other-host`,
    );
  });

  it('takes over a lock file torn by a crash once it is older than the stale age', async () => {
    await writeFile(lockPath, '{"pid":');
    const later = Date.now() + 61_000;
    const release = await acquireFileLock(lockPath, { timeoutMs: 0, now: () => later });
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not remove a lock that another process took over after ours went stale', async () => {
    const release = await acquireFileLock(lockPath);
    await writeHolder(process.pid, Date.now()); // someone else's lock now, with another token
    await release();
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ token: 'theirs' });
  });
});
