import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { replaceFile } from './state/replace-file.js';
import { makeFolder } from './state/make-folder.js';
import { ConfigError, LockedError } from './errors.js';
import {
  describeHolder,
  formatLockHolder,
  judgeLockHolder,
  LOCK_LEASE_MS,
  LOCK_REFRESH_MS,
  newLockHolder,
  parseLockHolder,
  type LockHolder,
  type LockVerdict,
} from './lock-holder.js';
import { keepLease, type RefreshOutcome } from './lock-lease.js';
import { endpointId } from './remote/endpoint-id.js';
import { isProcessAlive } from './process-alive.js';
import { readProcessStartTimeMs } from './process-start-time.js';

/** What the lock asks of the machine; the real OS by default, injected by tests. */
export interface LockSystem {
  host: string;
  pid: number;
  isAlive(pid: number): boolean;
  processStartMs(pid: number): Promise<number | undefined>;
}

export interface RunLockOptions {
  /** Called once when a refresh finds the lock taken by another run or removed: the run should stop. */
  onLost?: (error: LockedError) => void;
  now?: () => number;
  refreshMs?: number;
  leaseMs?: number;
  system?: LockSystem;
  /** The run's status file, named in the lock (see `LockHolder.statusFile`). */
  statusFile?: string | undefined;
}

/** A held lock. */
export interface RunLock {
  /** The lock file's path, or the lock object's `s3://` URL. */
  readonly location: string;
  /** Rewrites `refreshedAt` if the lock is still ours (the timer does this every `refreshMs`). */
  refresh(): Promise<RefreshOutcome>;
  /** Stops refreshing and removes the lock if it still holds our token; another run's lock is left alone. */
  release(): Promise<void>;
}

/** A held lock in the state folder, which a process about to exit at once can still remove. */
export interface LockFile extends RunLock {
  /** Removes the lock synchronously if it still holds our token, for a process that exits right after; never throws. */
  releaseSync(): void;
}

/** The lock scope of a project: one endpoint, bucket and project prefix, shared by upload and cleanup. */
export function lockScope(target: {
  endpoint?: string | undefined;
  bucket: string;
  prefix: string;
  projectKey: string;
}): string {
  return `${endpointId(target.endpoint)}/${target.bucket}/${target.prefix}${target.projectKey}`;
}

/**
 * Takes the lock of `scope` in `<stateDir>/locks`, so two runs of one project never upload or clean up at
 * once, and keeps it refreshed until released. A holder is judged by {@link judgeLockHolder}; a live one
 * is never taken over.
 * @throws LockedError naming the holder's host, pid and start when the lock is live; ConfigError when the
 * state folder cannot be created or written.
 */
export async function acquireRunLock(
  stateDir: string,
  scope: string,
  options: RunLockOptions = {},
): Promise<LockFile> {
  const file = path.join(await prepareLockFolder(stateDir), lockFileName(scope));
  const system = options.system ?? localSystem();
  const now = options.now ?? Date.now;
  const mine = {
    ...newLockHolder(
      { host: system.host, pid: system.pid, processStartMs: await system.processStartMs(system.pid) },
      now(),
    ),
    ...(options.statusFile !== undefined ? { statusFile: options.statusFile } : {}),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLockFile(file, mine)) return holdLock(file, scope, mine, options);
    const found = await readLockText(file);
    if (found === undefined) continue;
    const holder = parseLockHolder(found, system.host);
    if (holder) {
      const verdict = await judge(holder, system, now(), options.leaseMs ?? LOCK_LEASE_MS);
      if (verdict.state === 'live') throw lockedError(scope, file, holder, verdict);
    }
    await removeStaleLock(file, found, mine.token);
  }
  throw new LockedError(
    `lock ${scope}: ${file} keeps changing under us; another run is starting, try again in a minute`,
  );
}

/**
 * Throws as {@link acquireRunLock} would when a live run holds the lock of `scope`, and takes nothing: a dry run
 * ends as its command would (exit 3), rather than listing a running upload's parts as stale.
 */
export async function assertRunLockFree(
  stateDir: string,
  scope: string,
  options: RunLockOptions = {},
): Promise<void> {
  const file = path.join(stateDir, 'locks', lockFileName(scope));
  const found = await readLockText(file).catch(() => undefined);
  const system = options.system ?? localSystem();
  const holder = found === undefined ? undefined : parseLockHolder(found, system.host);
  if (!holder) return;
  const verdict = await judge(holder, system, (options.now ?? Date.now)(), options.leaseMs ?? LOCK_LEASE_MS);
  if (verdict.state === 'live') throw lockedError(scope, file, holder, verdict);
}

function localSystem(): LockSystem {
  return {
    host: hostname(),
    pid: process.pid,
    isAlive: (pid) => isProcessAlive(pid),
    processStartMs: (pid) => readProcessStartTimeMs(pid),
  };
}

async function prepareLockFolder(stateDir: string): Promise<string> {
  const folder = path.join(stateDir, 'locks');
  try {
    await makeFolder(folder);
  } catch (error) {
    throw new ConfigError(
      `state folder ${stateDir}: cannot create ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        'pass a writable folder with --state-dir or state_dir',
      { cause: error },
    );
  }
  return folder;
}

function lockFileName(scope: string): string {
  return `${createHash('sha256').update(scope).digest('hex').slice(0, 24)}.lock`;
}

async function judge(
  holder: LockHolder,
  system: LockSystem,
  nowMs: number,
  leaseMs: number,
): Promise<LockVerdict> {
  const local = holder.host === system.host;
  return judgeLockHolder(holder, {
    host: system.host,
    nowMs,
    leaseMs,
    isAlive: local && system.isAlive(holder.pid),
    processStartMs: local ? await system.processStartMs(holder.pid) : undefined,
  });
}

function lockedError(scope: string, file: string, holder: LockHolder, verdict: LockVerdict): LockedError {
  return new LockedError(
    `lock ${scope}: another upload of this project is running (${describeHolder(holder)}; ${verdict.reason}); ` +
      `wait for it to finish, or if that process is gone, delete ${file}`,
  );
}

/**
 * Creates the lock with its content in one step: written to a private file, then hard-linked to the lock's
 * name, which fails if the name exists. No other run ever sees an empty or half-written lock.
 */
async function createLockFile(file: string, holder: LockHolder): Promise<boolean> {
  const draft = `${file}.${holder.token}.new`;
  try {
    await writeFile(draft, formatLockHolder(holder), { flag: 'wx' });
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(
      `lock ${file}: cannot create (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        'pass a writable folder on a local disk with --state-dir or state_dir',
      { cause: error },
    );
  } finally {
    await rm(draft, { force: true });
  }
}

async function readLockText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves the stale lock aside (rename is atomic: of two runs taking it over, one moves it) and checks that
 * what was moved is the lock judged stale. If a third run had just taken the lock, its fresh lock is what
 * was moved, and it is put back.
 */
async function removeStaleLock(file: string, judgedText: string, token: string): Promise<void> {
  const aside = `${file}.${token}.stale`;
  try {
    await rename(file, aside);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new ConfigError(
      `lock ${file}: cannot take over the stale lock (${code ?? String(error)}); delete the file, or let this account write to its folder`,
      { cause: error },
    );
  }
  try {
    if ((await readFile(aside, 'utf8')) !== judgedText) await link(aside, file).catch(() => {});
  } finally {
    await rm(aside, { force: true });
  }
}

function holdLock(file: string, scope: string, mine: LockHolder, options: RunLockOptions): LockFile {
  const now = options.now ?? Date.now;
  const isOurText = (text: string) => parseLockHolder(text, mine.host)?.token === mine.token;
  const isOurs = async () => isOurText((await readLockText(file)) ?? '');
  const refresh = async (): Promise<RefreshOutcome> => {
    // a run that took the lock between this check and the write is overwritten; it finds out at its own
    // next refresh. Only a holder silent past the lease can be taken over, so this needs a lost lease too.
    if (!(await isOurs())) return 'lost';
    await replaceFile(file, formatLockHolder({ ...mine, refreshedAt: now() }));
    return 'held';
  };
  const keeper = keepLease({
    refreshMs: options.refreshMs ?? LOCK_REFRESH_MS,
    refresh,
    onLost: () =>
      options.onLost?.(
        new LockedError(
          `lock ${scope}: another run took over ${file} while this one was running; stopping so that the two do not upload at once`,
        ),
      ),
  });
  return {
    location: file,
    refresh,
    async release() {
      await keeper.stop();
      // a lock left behind is judged stale by the next run (its process is gone): not worth failing this one
      if (await isOurs().catch(() => false)) await rm(file, { force: true }).catch(() => {});
    },
    releaseSync() {
      // the process exits right after: a refresh in progress never gets to write the lock again
      void keeper.stop();
      try {
        if (isOurText(readFileSync(file, 'utf8'))) rmSync(file, { force: true });
      } catch {
        // gone already, or unreadable: the next run judges a lock its dead process left as stale
      }
    },
  };
}
