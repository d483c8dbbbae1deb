import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashCache } from '../../../src/content/hash-cache.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const MD5_A = '0123456789abcdef0123456789abcdef';
const FILE = '/data/RMI25320/reels/R001/R001_cam1.mp4';
const IDENTITY = { sizeBytes: 1234, mtimeMs: 1_700_000_000_123 };

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('HashCache', () => {
  it('starts empty when the state folder has no cache file', async () => {
    const cache = await HashCache.load(join(stateDir, 'not-created-yet'));
    expect(cache.get(FILE, IDENTITY)).toBeUndefined();
  });

  it('starts empty when the cache file is corrupt', async () => {
    await writeFile(join(stateDir, 'hash-cache.json'), '{"truncated": ');
    const cache = await HashCache.load(stateDir);
    expect(cache.get(FILE, IDENTITY)).toBeUndefined();
  });

  it('returns digests only while the size and mtime are the ones they were computed for', async () => {
    const cache = await HashCache.load(stateDir);
    cache.set(FILE, IDENTITY, { sha256: SHA_A, md5: MD5_A });
    expect(cache.get(FILE, IDENTITY)).toEqual({ sha256: SHA_A, md5: MD5_A });
    expect(cache.get(FILE, { ...IDENTITY, mtimeMs: IDENTITY.mtimeMs + 1 })).toBeUndefined();
    expect(cache.get(FILE, { ...IDENTITY, sizeBytes: IDENTITY.sizeBytes + 1 })).toBeUndefined();
    expect(cache.get(`${FILE}.copy`, IDENTITY)).toBeUndefined();
  });

  it('keeps an MD5 learnt earlier when the same SHA-256 is recorded again without one', async () => {
    const cache = await HashCache.load(stateDir);
    cache.set(FILE, IDENTITY, { sha256: SHA_A, md5: MD5_A });
    cache.set(FILE, IDENTITY, { sha256: SHA_A });
    expect(cache.get(FILE, IDENTITY)).toEqual({ sha256: SHA_A, md5: MD5_A });
  });

  it('drops the old MD5 when the SHA-256 changes', async () => {
    const cache = await HashCache.load(stateDir);
    cache.set(FILE, IDENTITY, { sha256: SHA_A, md5: MD5_A });
    cache.set(FILE, IDENTITY, { sha256: SHA_B });
    expect(cache.get(FILE, IDENTITY)).toEqual({ sha256: SHA_B });
  });

  it('survives a save and load, creating the state folder', async () => {
    const nested = join(stateDir, 'state', 'upload-to-s3');
    const cache = await HashCache.load(nested);
    cache.set(FILE, IDENTITY, { sha256: SHA_A, md5: MD5_A });
    await cache.save();
    const reloaded = await HashCache.load(nested);
    expect(reloaded.get(FILE, IDENTITY)).toEqual({ sha256: SHA_A, md5: MD5_A });
    expect(JSON.parse(await readFile(join(nested, 'hash-cache.json'), 'utf8'))).toEqual({
      [FILE]: { ...IDENTITY, sha256: SHA_A, md5: MD5_A },
    });
  });

  it('writes the text one JSON.stringify of its entries would give, though it writes them one at a time', async () => {
    const cache = await HashCache.load(stateDir);
    const expected: Record<string, object> = {};
    for (const [i, name] of ['R001 "cam1".mp4', 'R002\\cam2.mp4', 'Ünïcode ✓.json'].entries()) {
      const filePath = `/data/RMI25320/reels/${name}`;
      const identity = {
        sizeBytes: i + 1,
        mtimeMs: 1_700_000_000_000 + i,
        ctimeMs: 1_700_000_000_500,
        ino: 42 + i,
      };
      cache.set(filePath, identity, { sha256: SHA_B, ...(i === 1 ? {} : { md5: MD5_A }) });
      expected[filePath] = { ...identity, sha256: SHA_B, ...(i === 1 ? {} : { md5: MD5_A }) };
    }
    await cache.save();
    expect(await readFile(join(stateDir, 'hash-cache.json'), 'utf8')).toBe(JSON.stringify(expected));
  });

  it('reads the cache file at the first digest asked for, not when opened', async () => {
    const cache = await HashCache.load(stateDir);
    const saved = await HashCache.load(stateDir);
    saved.set(FILE, IDENTITY, { sha256: SHA_A });
    await saved.save();
    expect(cache.get(FILE, IDENTITY)).toEqual({ sha256: SHA_A });
  });

  it('leaves the cache file alone when it was never read', async () => {
    await writeFile(join(stateDir, 'hash-cache.json'), '{"kept": "as is"}');
    const cache = await HashCache.load(stateDir);
    await cache.save();
    expect(await readFile(join(stateDir, 'hash-cache.json'), 'utf8')).toBe('{"kept": "as is"}');
  });

  it('writes nothing when nothing changed', async () => {
    const cache = await HashCache.load(stateDir);
    await cache.save();
    await expect(readFile(join(stateDir, 'hash-cache.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('HashCache change stamp', () => {
  it('trusts a digest only while the ctime and inode are the ones it was recorded with', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-cache-stamp-'));
    const cache = await HashCache.load(dir);
    const recorded = { sizeBytes: 10, mtimeMs: 1_000, ctimeMs: 2_000, ino: 42 };
    cache.set('/data/a.log', recorded, { sha256: 'aa', md5: 'bb' });
    expect(cache.get('/data/a.log', recorded)).toEqual({ sha256: 'aa', md5: 'bb' });
    expect(cache.get('/data/a.log', { ...recorded, ctimeMs: 2_500 })).toBeUndefined();
    expect(cache.get('/data/a.log', { ...recorded, ino: 43 })).toBeUndefined();
  });

  it('does not trust an entry recorded without a stamp when the caller knows one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-cache-stamp-'));
    const cache = await HashCache.load(dir);
    cache.set('/data/a.log', { sizeBytes: 10, mtimeMs: 1_000 }, { sha256: 'aa' });
    expect(
      cache.get('/data/a.log', { sizeBytes: 10, mtimeMs: 1_000, ctimeMs: 2_000, ino: 42 }),
    ).toBeUndefined();
    expect(cache.get('/data/a.log', { sizeBytes: 10, mtimeMs: 1_000 })).toEqual({ sha256: 'aa' });
  });
});
