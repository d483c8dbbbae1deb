import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describeFsError, SourceError } from '../errors.js';
import type { FileIdentity } from '../content/file-identity.js';
import { partRange } from '../content/part-layout.js';
import type { PartDigests } from './decide.js';

/**
 * Reads a file once, cut into `partSizeBytes` parts, through MD5 and SHA-256 per part: S3's multipart ETag and
 * composite SHA-256 checksum for that part size. Memory stays at one 1 MiB read.
 * @throws SourceError when the file cannot be read or no longer has the planned size and mtime.
 */
export async function digestParts(
  path: string,
  identity: FileIdentity,
  partSizeBytes: number,
  signal?: AbortSignal,
): Promise<PartDigests> {
  await assertUnchanged(path, identity);
  const md5s: Buffer[] = [];
  const sha256s: Buffer[] = [];
  for (let n = 1; (n - 1) * partSizeBytes < identity.sizeBytes; n++) {
    const { start, length } = partRange(n, partSizeBytes, identity.sizeBytes);
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    for await (const chunk of readRange(path, start, length, signal)) {
      md5.update(chunk);
      sha256.update(chunk);
    }
    md5s.push(md5.digest());
    sha256s.push(sha256.digest());
  }
  await assertUnchanged(path, identity);
  const count = md5s.length;
  return {
    partSizeBytes,
    multipartEtag: `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${count}`,
    compositeSha256: `${createHash('sha256').update(Buffer.concat(sha256s)).digest('base64')}-${count}`,
  };
}

async function* readRange(path: string, start: number, length: number, signal?: AbortSignal) {
  try {
    const stream = createReadStream(path, {
      start,
      end: start + length - 1,
      highWaterMark: 1024 * 1024,
      ...(signal ? { signal } : {}),
    });
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new SourceError(`hash ${path}: ${describeFsError(error)}; check the file and run again`, {
      cause: error,
    });
  }
}

async function assertUnchanged(path: string, identity: FileIdentity): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    throw new SourceError(`hash ${path}: ${describeFsError(error)}; the next run looks at it again`, {
      cause: error,
    });
  });
  if (info.size !== identity.sizeBytes || Math.floor(info.mtimeMs) !== identity.mtimeMs) {
    throw new SourceError(
      `hash ${path}: the file changed while it was read (still being written?); the next run looks at it again`,
    );
  }
}
