import { randomBytes } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '../process-alive.js';
import { retryWhileHeld } from './replace-file.js';

/** Tuning of {@link acquireFileLock}; the defaults suit locks held for a few milliseconds to a few seconds. */
export interface FileLockOptions {
  /** A lock held longer than this is taken over even when its holder is alive (hung, or a reused pid). */
  staleAfterMs?: number;
  /** Gives up waiting after this long. */
  timeoutMs?: number;
  now?: () => number;
}

interface LockHolder {
  pid: number;
  hostname: string;
  acquiredAt: number;
  token: string;
}

const STALE_AFTER_MS = 60_000;
const TIMEOUT_MS = 90_000;
const POLL_DELAYS_MS = [5, 10, 20, 50, 100, 200];
// Only one process at a time may break a stale lock; a breaker that died leaves this behind briefly.
const BREAKER_STALE_MS = 10_000;

/**
 * Takes the short-lived lock file `lockPath` (created exclusively, naming this process), waiting while another
 * process holds it. A lock whose holder is a dead process on this host, or that is older than `staleAfterMs`,
 * is taken over. Returns the release function, which removes the lock only while it is still ours.
 * @throws Error naming the holder when the lock stays held past `timeoutMs`; the fs error when the lock
 * file cannot be created (missing folder, disk full, no permission).
 */
export async function acquireFileLock(
  lockPath: string,
  options: FileLockOptions = {},
): Promise<() => Promise<void>> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? TIMEOUT_MS);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: now(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; ; attempt++) {
    holder.acquiredAt = now();
    // Windows refuses to create a file whose previous copy an antivirus still holds open for deletion
    if (await retryWhileHeld(() => tryCreate(lockPath, holder))) return () => release(lockPath, holder.token);
    const current = await readHolder(lockPath);
    if (current && isStale(current, options.staleAfterMs ?? STALE_AFTER_MS, now())) {
      await breakLock(lockPath, current.token, now());
      continue;
    }
    if (now() > deadline) {
      const who = current ? `process ${current.pid} on ${current.hostname}` : 'another process';
      throw new Error(`${lockPath} is held by ${who}`);
    }
    await sleep(POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)]);
  }
}

/**
 * Runs `task` while holding the lock file `lockPath` (see {@link acquireFileLock}), and releases it however
 * `task` ends.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const release = await acquireFileLock(lockPath, options);
  try {
    return await task();
  } finally {
    await release();
  }
}

async function tryCreate(lockPath: string, holder: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  let written = false;
  try {
    await handle.writeFile(JSON.stringify(holder));
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(lockPath, { force: true });
  }
  return true;
}

/**
 * The lock's holder, or undefined when there is no lock. A lock that does not parse (being written, or its
 * creator died while writing it) has no holder to ask, so only its age counts.
 */
async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid === 'number' && typeof holder.acquiredAt === 'number') {
      return {
        pid: holder.pid,
        hostname: holder.hostname ?? '',
        acquiredAt: holder.acquiredAt,
        token: holder.token ?? '',
      };
    }
  } catch {
    // falls through to the file's age
  }
  const info = await stat(lockPath).catch(() => undefined);
  return info && { pid: 0, hostname: '', acquiredAt: info.mtimeMs, token: '' };
}

function isStale(holder: LockHolder, staleAfterMs: number, nowMs: number): boolean {
  if (nowMs - holder.acquiredAt > staleAfterMs) return true;
  // a pid means nothing on another host: there only age can tell
  return holder.hostname === hostname() && !isProcessAlive(holder.pid);
}

/**
 * Removes the lock if it still carries `token`. Two waiters that both judged the same lock stale must not
 * both remove it, or the second would remove the lock the first has just taken: `<lock>.break`, created
 * exclusively, lets one of them check and remove at a time.
 */
async function breakLock(lockPath: string, token: string, nowMs: number): Promise<void> {
  const breaker = `${lockPath}.break`;
  let handle;
  try {
    handle = await open(breaker, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await removeStaleBreaker(breaker, nowMs);
    return;
  }
  try {
    if ((await readHolder(lockPath))?.token === token) await rm(lockPath, { force: true });
  } finally {
    await handle.close();
    await rm(breaker, { force: true });
  }
}

async function removeStaleBreaker(breaker: string, nowMs: number): Promise<void> {
  const info = await stat(breaker).catch(() => undefined);
  if (info && nowMs - info.mtimeMs > BREAKER_STALE_MS) await rm(breaker, { force: true });
}

/** Never throws: a lock it cannot remove goes stale, and the next taker removes it then. */
async function release(lockPath: string, token: string): Promise<void> {
  try {
    if ((await readHolder(lockPath))?.token === token)
      await retryWhileHeld(() => rm(lockPath, { force: true }));
  } catch {
    // see above
  }
}
