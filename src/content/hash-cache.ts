import { readFileSync } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '../state/replace-file.js';
import { makeFolder } from '../state/make-folder.js';
import type { ChangeStamp, FileIdentity } from './file-identity.js';
import type { FileDigests } from './file-hash.js';

interface CacheEntry extends FileIdentity, Partial<ChangeStamp>, FileDigests {}

/** A file as the caller sees it now: size and mtime, and the change stamp when the walk recorded one. */
export type CachedFileState = FileIdentity & Partial<ChangeStamp>;

/**
 * Remembers file digests by path, size, mtime and change stamp (ctime and inode), so a rerun never hashes an
 * unchanged file again, and an edit whose tool restored the size and mtime is still noticed. Stored as one JSON
 * file in the state folder, written atomically, and read at the first digest asked for or recorded: a rerun
 * that decides every file from the upload log never holds it (at 100,000 files, some 25 MB of JSON).
 */
export class HashCache {
  private dirty = false;
  private loaded: Map<string, CacheEntry> | undefined;

  private constructor(private readonly file: string) {}

  /**
   * Opens the cache at `<stateDir>/hash-cache.json`, read at the first get or set; a missing or corrupt file
   * gives an empty cache.
   */
  static load(stateDir: string): Promise<HashCache> {
    return Promise.resolve(new HashCache(path.join(stateDir, 'hash-cache.json')));
  }

  /** Read synchronously at first use, so get and set stay synchronous for their many callers: one pause a run. */
  private get entries(): Map<string, CacheEntry> {
    this.loaded ??= readEntries(this.file);
    return this.loaded;
  }

  /**
   * The digests for `filePath` if its size, mtime and change stamp still match. A caller that knows the change
   * stamp trusts no entry recorded without one.
   */
  get(filePath: string, identity: CachedFileState): FileDigests | undefined {
    const entry = this.entries.get(filePath);
    if (!entry || entry.sizeBytes !== identity.sizeBytes || entry.mtimeMs !== identity.mtimeMs)
      return undefined;
    if (identity.ctimeMs !== undefined && (entry.ctimeMs !== identity.ctimeMs || entry.ino !== identity.ino))
      return undefined;
    return { sha256: entry.sha256, ...(entry.md5 ? { md5: entry.md5 } : {}) };
  }

  /** Records digests for `filePath` as it is now (merging an MD5 learnt earlier). */
  set(filePath: string, identity: CachedFileState, digests: FileDigests): void {
    const previous = this.get(filePath, identity);
    const md5 = digests.md5 ?? (previous?.sha256 === digests.sha256 ? previous.md5 : undefined);
    const { sizeBytes, mtimeMs, ctimeMs, ino } = identity;
    const stamp = ctimeMs === undefined || ino === undefined ? {} : { ctimeMs, ino };
    this.entries.set(filePath, {
      sizeBytes,
      mtimeMs,
      ...stamp,
      sha256: digests.sha256,
      ...(md5 ? { md5 } : {}),
    });
    this.dirty = true;
  }

  /** Writes the cache if anything changed. */
  async save(): Promise<void> {
    if (!this.dirty || !this.loaded) return;
    await makeFolder(path.dirname(this.file));
    await replaceFile(this.file, jsonPieces(this.loaded));
    this.dirty = false;
  }
}

/**
 * The cache as the text `JSON.stringify` gives its entries as one object, an entry at a time, so a save never
 * holds that object or the whole text (about 100 MB of memory at 100,000 files).
 */
function* jsonPieces(entries: ReadonlyMap<string, CacheEntry>): Generator<string> {
  let separator = '{';
  for (const [filePath, entry] of entries) {
    yield `${separator}${JSON.stringify(filePath)}:${JSON.stringify(entry)}`;
    separator = ',';
  }
  yield separator === '{' ? '{}' : '}';
}

function readEntries(file: string): Map<string, CacheEntry> {
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, CacheEntry>));
  } catch {
    return new Map();
  }
}
