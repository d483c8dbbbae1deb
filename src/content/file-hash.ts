import { createHash } from 'node:crypto';
import { createCrc, type CrcName } from './crc.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SourceError } from '../errors.js';
import { describeFsError } from '../errors.js';
import type { FileIdentity } from './file-identity.js';

/** Digests of a whole file, hex-encoded. */
export interface FileDigests {
  sha256: string;
  md5?: string;
}

/**
 * Streams a file once through SHA-256 (and MD5 when asked, in the same pass) with bounded memory. The file is checked against `identity`
 * before and after, so a file still being written is reported, never recorded with a wrong hash.
 * @throws SourceError when the file cannot be read or changed during hashing.
 */
export async function hashFile(
  path: string,
  identity: FileIdentity,
  options: { md5?: boolean; signal?: AbortSignal } = {},
): Promise<FileDigests> {
  const sha256 = createHash('sha256');
  const md5 = options.md5 ? createHash('md5') : undefined;
  await readChecked(path, identity, options.signal, (chunk) => {
    sha256.update(chunk);
    md5?.update(chunk);
  });
  return { sha256: sha256.digest('hex'), ...(md5 ? { md5: md5.digest('hex') } : {}) };
}

/**
 * The file's CRC (base64, as S3 stores it), in one streamed pass, checked against `identity` like
 * {@link hashFile}.
 * @throws SourceError when the file cannot be read or changed while it was read.
 */
export async function crcFile(
  path: string,
  identity: FileIdentity,
  name: CrcName,
  signal?: AbortSignal,
): Promise<string> {
  const crc = createCrc(name);
  await readChecked(path, identity, signal, (chunk) => crc.update(chunk));
  return crc.digest();
}

/**
 * Streams the file through `onChunk` with bounded memory, checking it against `identity` before and after.
 * @throws SourceError when the file cannot be read or changed meanwhile; the AbortError when `signal` aborts.
 */
async function readChecked(
  path: string,
  identity: FileIdentity,
  signal: AbortSignal | undefined,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  await assertIdentity(path, identity);
  try {
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
    for await (const chunk of stream) onChunk(chunk as Buffer);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new SourceError(`hash ${path}: ${describeFsError(error)}; check the file and run again`, {
      cause: error,
    });
  }
  await assertIdentity(path, identity);
}

async function assertIdentity(path: string, identity: FileIdentity): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    throw new SourceError(`hash ${path}: ${describeFsError(error)}; it will be retried by the next run`, {
      cause: error,
    });
  });
  if (info.size !== identity.sizeBytes || Math.floor(info.mtimeMs) !== identity.mtimeMs) {
    throw new SourceError(
      `hash ${path}: the file changed while it was read (still being written?); the next run retries it`,
    );
  }
}
