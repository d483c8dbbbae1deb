import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceFile } from '../state/replace-file.js';
import type { FileIdentity } from './file-identity.js';
import type { FileDigests } from './file-hash.js';

interface CacheEntry extends FileIdentity, FileDigests {}

/**
 * Remembers file digests by path, size and mtime, so a rerun never hashes an unchanged file
 * again. Stored as one JSON file in the state folder, written atomically.
 */
export class HashCache {
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, CacheEntry>,
  ) {}

  /** Loads the cache from `<stateDir>/hash-cache.json`; a missing or corrupt file gives an empty cache. */
  static async load(stateDir: string): Promise<HashCache> {
    const file = path.join(stateDir, 'hash-cache.json');
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as Record<string, CacheEntry>;
      return new HashCache(file, new Map(Object.entries(data)));
    } catch {
      return new HashCache(file, new Map());
    }
  }

  /** The digests for `filePath` if its size and mtime still match. */
  get(filePath: string, identity: FileIdentity): FileDigests | undefined {
    const entry = this.entries.get(filePath);
    if (!entry || entry.sizeBytes !== identity.sizeBytes || entry.mtimeMs !== identity.mtimeMs)
      return undefined;
    return { sha256: entry.sha256, ...(entry.md5 ? { md5: entry.md5 } : {}) };
  }

  /** Records digests for `filePath` as it is now (merging an MD5 learnt earlier). */
  set(filePath: string, identity: FileIdentity, digests: FileDigests): void {
    const previous = this.get(filePath, identity);
    const md5 = digests.md5 ?? (previous?.sha256 === digests.sha256 ? previous.md5 : undefined);
    this.entries.set(filePath, { ...identity, sha256: digests.sha256, ...(md5 ? { md5 } : {}) });
    this.dirty = true;
  }

  /** Writes the cache if anything changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    await replaceFile(this.file, JSON.stringify(Object.fromEntries(this.entries)));
    this.dirty = false;
  }
}
