/**
 * A small file read whole, in blocking calls and through the thread pool: its bytes, and the same refusals as the
 * ranged reads when the file is gone, shorter, longer or touched since it was planned.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import type { FileIdentity } from '../../../src/content/file-identity.js';
import { FileSource } from '../../../src/transfer/file-source.js';

const CONTENT = randomBytes(40_000);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'read-whole-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function planned(
  name: string,
  bytes: Buffer,
): Promise<{ file: string; sizeBytes: number; mtimeMs: number }> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  const info = await stat(file);
  return { file, sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) };
}

const READERS = [
  ['readWhole', (file: string, identity: FileIdentity) => FileSource.readWhole(file, identity)],
  [
    'readWholeBlocking',
    async (file: string, identity: FileIdentity) => FileSource.readWholeBlocking(file, identity),
  ],
] as const;

describe.each(READERS)('FileSource.%s', (_name, readWhole) => {
  it('returns the whole file as planned', async () => {
    const { file, ...identity } = await planned('a.json', CONTENT);
    expect((await readWhole(file, identity)).equals(CONTENT)).toBe(true);
  });

  it('reads an empty file', async () => {
    const { file, ...identity } = await planned('empty.txt', Buffer.alloc(0));
    expect((await readWhole(file, identity)).length).toBe(0);
  });

  it('refuses a file that shrank since it was planned, naming both sizes', async () => {
    const { file, ...identity } = await planned('shrank.json', CONTENT);
    await writeFile(file, CONTENT.subarray(0, 1000));
    await expect(readWhole(file, identity)).rejects.toThrow(SourceError);
    await expect(readWhole(file, identity)).rejects.toThrow(
      /changed since this run listed it \(its size went from 40000 to 1000 bytes\); it was not stored/,
    );
  });

  it('refuses a file that grew or was touched since it was planned', async () => {
    const grown = await planned('grew.json', CONTENT);
    await writeFile(grown.file, Buffer.concat([CONTENT, CONTENT]));
    await expect(readWhole(grown.file, grown)).rejects.toThrow(/changed since this run listed it/);
    const touched = await planned('touched.json', CONTENT);
    await utimes(touched.file, new Date(), new Date(touched.mtimeMs + 5000));
    await expect(readWhole(touched.file, touched)).rejects.toThrow(
      /\(its modification time moved, its size stayed \d+ bytes\); it was not stored/,
    );
  });

  it('says a file that is gone cannot be opened', async () => {
    const missing = path.join(dir, 'missing.json');
    await expect(readWhole(missing, { sizeBytes: 1, mtimeMs: 0 })).rejects.toThrow(
      /^open .*missing\.json: no longer exists \(ENOENT\); check the file and run again$/,
    );
  });
});
