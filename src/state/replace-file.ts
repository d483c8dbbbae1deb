import fs from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a file is replaced with: its whole content, or its text in pieces, written as they come so that a big
 * file (the hash cache of 100,000 files is some 25 MB of JSON) never has to be held as one string.
 */
export type FileContent = string | Uint8Array | Iterable<string>;

/** The file-system calls {@link replaceFile} and {@link renameWithRetry} make; tests inject failures here. */
export interface ReplaceFileSystem {
  /** Creates `file` (which must not exist), writes `data`, flushes it to disk and closes it. */
  writeNew(file: string, data: FileContent): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(file: string): Promise<void>;
}

/** How hard to retry a rename that another program blocks. */
export interface RetryOptions {
  /** Waits between attempts; their count is the number of retries. About 2 s in all by default. */
  delaysMs?: readonly number[];
  fs?: Partial<ReplaceFileSystem>;
}

// An antivirus scan or a search indexer holds a fresh file for tens to hundreds of milliseconds.
const DEFAULT_DELAYS_MS = [25, 50, 100, 200, 400, 600, 700];
const SHARING_CODES = new Set(['EBUSY', 'EPERM', 'EACCES']);

const realFs: ReplaceFileSystem = {
  async writeNew(file, data) {
    const handle = await open(file, 'wx');
    try {
      // writeFile, unlike one write call, goes on after a short write (a nearly full disk) or fails: never a torn file
      await writeFile(handle, typeof data === 'string' || data instanceof Uint8Array ? data : batches(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => rename(from, to),
  remove: (file) => rm(file, { force: true }),
};

/** Text written at once when a file comes in pieces: few system calls, little memory. */
const BATCH_CHARS = 1024 * 1024;

/** `pieces` joined into strings of about {@link BATCH_CHARS} each. */
function* batches(pieces: Iterable<string>): Generator<string> {
  let batch: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    batch.push(piece);
    length += piece.length;
    if (length >= BATCH_CHARS) {
      yield batch.join('');
      batch = [];
      length = 0;
    }
  }
  if (batch.length > 0) yield batch.join('');
}

/**
 * True when `error` is how an operating system reports a file that another program has open: EBUSY anywhere,
 * and on Windows also EPERM and EACCES, which it returns for a file held by Excel, an antivirus or an indexer.
 * Elsewhere those two mean a real permission problem that waiting does not fix.
 */
export function isSharingViolation(error: unknown, platform: NodeJS.Platform = process.platform): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EBUSY') return true;
  return platform === 'win32' && (code === 'EPERM' || code === 'EACCES');
}

/**
 * Runs `attempt`, and again after each of `delaysMs` while it fails with EBUSY, EPERM or EACCES (on every
 * platform: a rename onto a file a watcher has open fails with EPERM on Windows, and retrying a real
 * permission problem elsewhere only costs the delays). Rethrows the last error, or any other error at once.
 */
export async function retryWhileHeld<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[] = DEFAULT_DELAYS_MS,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = delaysMs[retry];
      if (delayMs === undefined || !isHeldError(error)) throw error;
      await sleep(delayMs);
    }
  }
}

function isHeldError(error: unknown): boolean {
  return SHARING_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/**
 * Renames `from` to `to` (replacing `to`), retrying while another program holds either file.
 * @throws the rename's error when it still fails after the retries, or fails for another reason.
 */
export async function renameWithRetry(from: string, to: string, options: RetryOptions = {}): Promise<void> {
  const calls = { ...realFs, ...options.fs };
  await retryWhileHeld(() => calls.rename(from, to), options.delaysMs);
}

/**
 * Replaces `file` atomically: writes `data` (whole or piece by piece) to a new temp file beside it, flushes it to disk, then renames
 * it over `file` with {@link renameWithRetry}. A reader, or a crash at any moment, sees either the old
 * content or the new, never a mix. The temp file is removed when the replace fails.
 * @throws the write's or the rename's error; the old `file` is then untouched.
 */
export async function replaceFile(
  file: string,
  data: FileContent,
  options: RetryOptions = {},
): Promise<void> {
  const calls = { ...realFs, ...options.fs };
  const temp = tempPathFor(file);
  try {
    await calls.writeNew(temp, data);
    await renameWithRetry(temp, file, options);
  } catch (error) {
    await calls.remove(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * {@link replaceFile} for a process about to exit, where nothing asynchronous would finish: the same steps
 * and retries, blocking.
 */
export function replaceFileSync(file: string, data: string | Uint8Array): void {
  const temp = tempPathFor(file);
  try {
    const fd = fs.openSync(temp, 'wx');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    renameSyncWithRetry(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

function renameSyncWithRetry(from: string, to: string): void {
  for (let retry = 0; ; retry++) {
    try {
      fs.renameSync(from, to);
      return;
    } catch (error) {
      const delayMs = DEFAULT_DELAYS_MS[retry];
      if (delayMs === undefined || !isHeldError(error)) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
    }
  }
}

/** A name no other writer of `file` picks, in the same folder so the rename stays on one volume. */
function tempPathFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

const TEMP_NAME = /^(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * The file a temp file's name says it was to replace (its base name) and the pid of the process that wrote it,
 * or undefined for a name {@link replaceFile} does not make.
 */
export function parseTempName(name: string): { target: string; pid: number } | undefined {
  const match = TEMP_NAME.exec(name);
  return match ? { target: match[1]!, pid: Number(match[2]) } : undefined;
}
