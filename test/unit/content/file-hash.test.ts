import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import { hashFile } from '../../../src/content/file-hash.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-hash-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `content` and returns its path and the identity the walker would have planned it with. */
async function plannedFile(
  name: string,
  content: Buffer,
): Promise<{ path: string; identity: { sizeBytes: number; mtimeMs: number } }> {
  const path = join(dir, name);
  await writeFile(path, content);
  const info = await stat(path);
  return { path, identity: { sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) } };
}

function hex(algorithm: 'sha256' | 'md5', content: Buffer): string {
  return createHash(algorithm).update(content).digest('hex');
}

describe('hashFile', () => {
  it('returns the SHA-256 and, when asked, the MD5 of a file larger than one read chunk', async () => {
    const content = randomBytes(2.5 * 1024 * 1024);
    const file = await plannedFile('R001_cam1.mp4', content);
    expect(await hashFile(file.path, file.identity, { md5: true })).toEqual({
      sha256: hex('sha256', content),
      md5: hex('md5', content),
    });
  });

  it('computes no MD5 unless asked', async () => {
    const content = Buffer.from('project: RMI25320\n');
    const file = await plannedFile('survey.yaml', content);
    expect(await hashFile(file.path, file.identity)).toEqual({ sha256: hex('sha256', content) });
  });

  it('hashes an empty file', async () => {
    const file = await plannedFile('empty.txt', Buffer.alloc(0));
    expect(await hashFile(file.path, file.identity, { md5: true })).toEqual({
      sha256: hex('sha256', Buffer.alloc(0)),
      md5: hex('md5', Buffer.alloc(0)),
    });
  });

  it('refuses a file whose size or mtime is no longer the planned one', async () => {
    const file = await plannedFile('growing.mp4', Buffer.from('first bytes'));
    await writeFile(file.path, Buffer.from('first bytes and more'));
    await expect(hashFile(file.path, file.identity)).rejects.toThrow(SourceError);
    await expect(hashFile(file.path, file.identity)).rejects.toThrow(/changed while it was read/);

    const touched = await plannedFile('touched.mp4', Buffer.from('same size'));
    const later = new Date(touched.identity.mtimeMs + 5_000);
    await utimes(touched.path, later, later);
    await expect(hashFile(touched.path, touched.identity)).rejects.toThrow(SourceError);
  });

  it('reports a missing file as a SourceError naming it', async () => {
    const path = join(dir, 'gone.mp4');
    await expect(hashFile(path, { sizeBytes: 1, mtimeMs: 1 })).rejects.toThrow(SourceError);
    await expect(hashFile(path, { sizeBytes: 1, mtimeMs: 1 })).rejects.toThrow(path);
  });

  it('stops with an AbortError, not a SourceError, when the signal aborts', async () => {
    const file = await plannedFile('long.mp4', randomBytes(4 * 1024 * 1024));
    const controller = new AbortController();
    controller.abort();
    const error = await hashFile(file.path, file.identity, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('AbortError');
    expect(error).not.toBeInstanceOf(SourceError);
  });
});
