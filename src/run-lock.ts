import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, LockedError } from './errors.js';
import { isProcessAlive } from './process-alive.js';

/** A lock older than this is stale even if its pid is alive again (pid reuse after a reboot). */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

interface LockInfo {
  pid: number;
  startedAt: number;
  hostname?: string;
}

/**
 * Takes the lock of one project and bucket in `<stateDir>/locks`, so two scheduled runs of the
 * same project never upload at once. A lock whose process is gone, or older than a day, is
 * taken over. Returns the release function.
 * @throws LockedError naming the running process when the lock is held; ConfigError when the state
 * folder cannot be created.
 */
export async function acquireRunLock(
  stateDir: string,
  scope: string,
  now = Date.now(),
): Promise<() => Promise<void>> {
  const folder = path.join(stateDir, 'locks');
  await mkdir(folder, { recursive: true }).catch((error: unknown) => {
    throw new ConfigError(
      `state folder ${stateDir}: cannot create ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        'pass a writable folder with --state-dir or state_dir',
      { cause: error },
    );
  });
  const file = path.join(folder, `${createHash('sha256').update(scope).digest('hex').slice(0, 24)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(file, { pid: process.pid, startedAt: now })) return () => rm(file, { force: true });
    const holder = await readLock(file);
    if (holder && isProcessAlive(holder.pid) && now - holder.startedAt < STALE_AFTER_MS) {
      throw new LockedError(
        `lock ${scope}: another upload of this project is running (pid ${holder.pid}, since ${new Date(holder.startedAt).toISOString()}); ` +
          `wait for it to finish, or delete ${file} if that process is gone`,
      );
    }
    await rm(file, { force: true });
  }
  throw new LockedError(`lock ${scope}: could not take ${file}; check the state folder's permissions`);
}

async function tryCreate(file: string, info: LockInfo): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(JSON.stringify(info));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}
