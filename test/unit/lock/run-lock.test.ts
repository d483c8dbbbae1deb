import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockedError } from '../../../src/errors.js';
import { formatLockHolder, type LockHolder } from '../../../src/lock-holder.js';
import { acquireRunLock, lockScope, type LockSystem } from '../../../src/run-lock.js';

const SCOPE = 'http://127.0.0.1:7480/survey-bucket/RMI25320';
const NOW = Date.parse('2026-03-02T10:00:00Z');

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'run-lock-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A machine where `running` maps each live pid to its start time (undefined: not known, as on Windows). */
function machine(pid: number, running: Record<number, number | undefined>, host = 'survey-pc'): LockSystem {
  return {
    host,
    pid,
    isAlive: (p) => p in running,
    processStartMs: async (p) => running[p],
  };
}

async function lockFiles(): Promise<string[]> {
  return readdir(path.join(stateDir, 'locks'));
}

async function readHolder(): Promise<Record<string, unknown>> {
  const [name] = await lockFiles();
  return JSON.parse(await readFile(path.join(stateDir, 'locks', name!), 'utf8')) as Record<string, unknown>;
}

/** Writes a lock as another run would have left it, under the file name of SCOPE. */
async function plantLock(holder: Partial<LockHolder>): Promise<string> {
  const probe = await acquireRunLock(stateDir, SCOPE, { system: machine(1, { 1: 0 }) });
  await probe.release();
  const full: LockHolder = {
    host: 'survey-pc',
    pid: 500,
    token: 'theirs',
    acquiredAt: NOW,
    refreshedAt: NOW,
    ...holder,
  };
  await writeFile(probe.location, formatLockHolder(full));
  return probe.location;
}

describe('acquireRunLock', () => {
  it('records host, pid, process start, token and times, and refuses a second run naming the first', async () => {
    const system = machine(100, { 100: NOW - 5000, 200: NOW - 1000 });
    const first = await acquireRunLock(stateDir, SCOPE, { system, now: () => NOW });
    expect(await readHolder()).toEqual({
      host: 'survey-pc',
      pid: 100,
      processStartedAt: new Date(NOW - 5000).toISOString(),
      token: expect.stringMatching(/^[0-9a-f-]{36}$/),
      acquiredAt: new Date(NOW).toISOString(),
      refreshedAt: new Date(NOW).toISOString(),
    });

    const second = acquireRunLock(stateDir, SCOPE, {
      system: { ...system, pid: 200 },
      now: () => NOW + 3 * 86_400_000,
    });
    await expect(second).rejects.toThrow(LockedError);
    await expect(second).rejects.toThrow(
      /^lock .*: another upload of this project is running \(host survey-pc, pid 100, since 2026-03-02T10:00:00.000Z; process 100 is running\); wait for it to finish, or if that process is gone, delete .*\.lock$/,
    );
    await first.release();
    expect(await lockFiles()).toEqual([]);
  });

  it('takes over a lock whose pid now belongs to another process (reused pid)', async () => {
    await plantLock({ pid: 500, processStartMs: NOW - 86_400_000 });
    const system = machine(100, { 100: NOW, 500: NOW - 60_000 });
    const lock = await acquireRunLock(stateDir, SCOPE, { system, now: () => NOW });
    expect(await readHolder()).toMatchObject({ pid: 100 });
    await lock.release();
  });

  it('takes over a lock whose process is gone', async () => {
    await plantLock({ pid: 500, processStartMs: NOW });
    const lock = await acquireRunLock(stateDir, SCOPE, {
      system: machine(100, { 100: NOW }),
      now: () => NOW,
    });
    expect(await readHolder()).toMatchObject({ pid: 100 });
    await lock.release();
  });

  it("never takes over another user's live process whose start time is unknown, while it refreshes", async () => {
    // isAlive true as for EPERM; no start time, as on Windows
    await plantLock({ pid: 500, processStartMs: undefined, refreshedAt: NOW - 9 * 60_000 });
    const system = machine(100, { 100: undefined, 500: undefined });
    await expect(acquireRunLock(stateDir, SCOPE, { system, now: () => NOW })).rejects.toThrow(/pid 500/);
    const late = await acquireRunLock(stateDir, SCOPE, { system, now: () => NOW + 2 * 60_000 });
    expect(await readHolder()).toMatchObject({ pid: 100 });
    await late.release();
  });

  it('judges a lock of another host by its lease only', async () => {
    await plantLock({ host: 'field-laptop', pid: 100, processStartMs: NOW, refreshedAt: NOW });
    const system = machine(100, { 100: NOW });
    await expect(acquireRunLock(stateDir, SCOPE, { system, now: () => NOW + 60_000 })).rejects.toThrow(
      /host field-laptop, pid 100/,
    );
    const lock = await acquireRunLock(stateDir, SCOPE, { system, now: () => NOW + 11 * 60_000 });
    await lock.release();
  });

  it('lets exactly one of two runs take over the same stale lock', async () => {
    await plantLock({ pid: 500, processStartMs: NOW });
    const running = { 100: NOW, 200: NOW };
    const results = await Promise.allSettled([
      acquireRunLock(stateDir, SCOPE, { system: machine(100, running), now: () => NOW }),
      acquireRunLock(stateDir, SCOPE, { system: machine(200, running), now: () => NOW }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(LockedError);
    expect(await lockFiles()).toHaveLength(1);
  });

  it('names the state folder when it cannot be created', async () => {
    const file = path.join(stateDir, 'a-file');
    await writeFile(file, '');
    await expect(acquireRunLock(file, SCOPE)).rejects.toThrow(/^state folder .*a-file: cannot create/);
  });
});

describe('refresh and release', () => {
  it('refresh rewrites refreshedAt while the lock is ours', async () => {
    let now = NOW;
    const lock = await acquireRunLock(stateDir, SCOPE, {
      system: machine(100, { 100: NOW }),
      now: () => now,
    });
    now += 60_000;
    expect(await lock.refresh()).toBe('held');
    expect(await readHolder()).toMatchObject({
      acquiredAt: new Date(NOW).toISOString(),
      refreshedAt: new Date(NOW + 60_000).toISOString(),
    });
    await lock.release();
  });

  it('refresh reports the lock lost when another run took it or it was removed, and release leaves theirs', async () => {
    const lock = await acquireRunLock(stateDir, SCOPE, { system: machine(100, { 100: NOW }) });
    const theirs = formatLockHolder({
      host: 'survey-pc',
      pid: 300,
      token: 'theirs',
      acquiredAt: NOW,
      refreshedAt: NOW,
    });
    await writeFile(lock.location, theirs);
    expect(await lock.refresh()).toBe('lost');
    await lock.release();
    expect(await readFile(lock.location, 'utf8')).toBe(theirs);

    await rm(lock.location);
    expect(await lock.refresh()).toBe('lost');
  });

  it('release removes only our own lock, and leaves no stray files', async () => {
    await mkdir(path.join(stateDir, 'locks'), { recursive: true });
    const lock = await acquireRunLock(stateDir, SCOPE, { system: machine(100, { 100: NOW }) });
    await lock.release();
    await lock.release();
    expect(await lockFiles()).toEqual([]);
  });
});

describe('releaseSync', () => {
  it("removes our own lock at once, for a process about to exit, and leaves another run's", async () => {
    const lock = await acquireRunLock(stateDir, SCOPE, { system: machine(100, { 100: NOW }) });
    lock.releaseSync();
    expect(await lockFiles()).toEqual([]);
    lock.releaseSync();

    const again = await acquireRunLock(stateDir, SCOPE, { system: machine(100, { 100: NOW }) });
    const theirs = formatLockHolder({
      host: 'survey-pc',
      pid: 300,
      token: 'theirs',
      acquiredAt: NOW,
      refreshedAt: NOW,
    });
    await writeFile(again.location, theirs);
    again.releaseSync();
    expect(await readFile(again.location, 'utf8')).toBe(theirs);
  });
});

describe('lockScope', () => {
  it('is one scope for two spellings of an endpoint, and apart per bucket and project', () => {
    const base = { region: 'us-east-1', bucket: 'b1', prefix: 'surveys/', projectKey: 'RMI25320' };
    expect(lockScope({ ...base, endpoint: 'HTTP://Host:7480/' })).toBe(
      lockScope({ ...base, endpoint: 'http://host:7480' }),
    );
    expect(lockScope({ ...base, endpoint: undefined })).toBe('aws/b1/surveys/RMI25320');
    expect(lockScope({ ...base, bucket: 'b2' })).not.toBe(lockScope(base));
  });
});
