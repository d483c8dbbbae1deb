import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { partRange } from './part-layout.js';

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-N`; undefined if a part ETag is not an MD5. */
export function combinePartEtags(partEtags: readonly string[]): string | undefined {
  if (partEtags.length === 0 || !partEtags.every(isPlainMd5)) return undefined;
  const md5 = createHash('md5');
  for (const etag of partEtags) md5.update(Buffer.from(etag, 'hex'));
  return `${md5.digest('hex')}-${partEtags.length}`;
}

/** True for a single-part ETag (the object's MD5 in hex, in either case). */
export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/i.test(etag);
}

/** Computes a local file's multipart ETag for `partSizeBytes` parts, streaming each part through MD5. */
export async function fileMultipartEtag(
  path: string,
  sizeBytes: number,
  partSizeBytes: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const etags: string[] = [];
  for (let n = 1; (n - 1) * partSizeBytes < sizeBytes; n++) {
    const { start, length } = partRange(n, partSizeBytes, sizeBytes);
    const md5 = createHash('md5');
    const stream = createReadStream(path, {
      start,
      end: start + length - 1,
      highWaterMark: 1024 * 1024,
      ...(signal ? { signal } : {}),
    });
    for await (const chunk of stream) md5.update(chunk as Buffer);
    etags.push(md5.digest('hex'));
  }
  return combinePartEtags(etags);
}
