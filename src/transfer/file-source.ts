import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { SourceError } from '../errors.js';
import { describeFsError } from '../errors.js';
import { fileIdOf, type FileIdentity } from '../content/file-identity.js';

/**
 * A file opened for ranged reads. Every read and the final check compare the file with the
 * identity it was planned with, so a reel still being recorded is never stored half-written.
 */
export class FileSource {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly identity: FileIdentity,
  ) {}

  /** @throws SourceError when the file cannot be opened or no longer matches `identity`. */
  static async open(path: string, identity: FileIdentity): Promise<FileSource> {
    const source = await FileSource.openUnchecked(path, identity);
    try {
      await source.assertUnchanged();
    } catch (error) {
      await source.close();
      throw error;
    }
    return source;
  }

  /**
   * Reads a whole small file through the thread pool: open, read, then one identity check. The walk's stat stands in
   * for a check at open: a change before the open shows in the check after the read as well.
   * @throws SourceError when the file cannot be read or no longer matches `identity`.
   */
  static async readWhole(path: string, identity: FileIdentity): Promise<Buffer> {
    const source = await FileSource.openUnchecked(path, identity);
    try {
      return await source.read(0, identity.sizeBytes);
    } catch (error) {
      throw error instanceof SourceError ? error : readError(path, error);
    } finally {
      await source.close();
    }
  }

  /** @throws SourceError when the file cannot be opened. */
  private static async openUnchecked(path: string, identity: FileIdentity): Promise<FileSource> {
    try {
      return new FileSource(path, await open(path, 'r'), identity);
    } catch (error) {
      throw openError(path, error);
    }
  }

  /**
   * {@link readWhole} in blocking calls, which cost less CPU than the thread pool's trips while the file comes from
   * the page cache and hold up the whole process while it comes from a slow disk (see WholeFileReader).
   * @throws SourceError when the file cannot be read or no longer matches `identity`.
   */
  static readWholeBlocking(path: string, identity: FileIdentity): Buffer {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw openError(path, error);
    }
    try {
      const buffer = Buffer.allocUnsafe(identity.sizeBytes);
      for (let filled = 0; filled < buffer.length;) {
        const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) {
          checkIdentity(path, identity, statSync(path));
          throw changedError(path, 'it became shorter while it was read');
        }
        filled += bytesRead;
      }
      checkIdentity(path, identity, statSync(path));
      return buffer;
    } catch (error) {
      throw error instanceof SourceError ? error : readError(path, error);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads exactly `length` bytes at `start` into `buffer` (a new one if omitted), then checks the file's identity,
   * so a change is noticed at the next part instead of after the last one.
   * @throws SourceError if the file is shorter or no longer matches its planned identity.
   */
  async read(start: number, length: number, buffer: Buffer = Buffer.allocUnsafe(length)): Promise<Buffer> {
    const filled = await this.readRange(start, length, buffer);
    await this.assertUnchanged();
    return filled;
  }

  /**
   * Reads exactly `length` bytes at `start` into the front of `buffer`, without the identity check (callers
   * reading a range slice by slice check once at its end). Returns the filled part of `buffer`.
   * @throws SourceError if the file is shorter than planned.
   */
  async readRange(start: number, length: number, buffer: Buffer): Promise<Buffer> {
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) {
        await this.assertUnchanged();
        throw changedError(this.path, 'it became shorter while it was read');
      }
      filled += bytesRead;
    }
    return buffer.subarray(0, length);
  }

  /** @throws SourceError when size or mtime differ from the planned identity. */
  async assertUnchanged(): Promise<void> {
    const info = await stat(this.path).catch((error: unknown) => {
      throw readError(this.path, error);
    });
    checkIdentity(this.path, this.identity, info);
  }

  /** The open file's id (device and inode, or Windows file index), or undefined when the OS gives none. */
  async fileId(): Promise<string | undefined> {
    return fileIdOf(await this.handle.stat({ bigint: true }));
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => {});
  }
}

/** @throws SourceError when size or mtime in `info` differ from `identity`. */
function checkIdentity(path: string, identity: FileIdentity, info: { size: number; mtimeMs: number }): void {
  if (info.size !== identity.sizeBytes)
    throw changedError(path, `its size went from ${identity.sizeBytes} to ${info.size} bytes`);
  if (Math.floor(info.mtimeMs) !== identity.mtimeMs)
    throw changedError(path, `its modification time moved, its size stayed ${identity.sizeBytes} bytes`);
}

function openError(path: string, error: unknown): SourceError {
  return new SourceError(`open ${path}: ${describeFsError(error)}; check the file and run again`, {
    cause: error,
  });
}

function readError(path: string, error: unknown): SourceError {
  return new SourceError(`read ${path}: ${describeFsError(error)}; it will be retried by the next run`, {
    cause: error,
  });
}

function changedError(path: string, detail: string): SourceError {
  return new SourceError(
    `upload ${path}: the file changed since this run listed it (${detail}); it was not stored and the next run retries it`,
  );
}
