import path from 'node:path';
import type { Stats } from 'node:fs';
import type { UploadTask } from './plan-upload.js';

/** What every planned file of one folder type shares: the type, the folder walked, and the head of its keys. */
export interface TypeRoot {
  group: string;
  folder: string;
  keyHead: string;
}

/**
 * A planned file as the run keeps it: its path relative to its type's folder, its size and change stamps, and
 * the {@link TypeRoot} it shares with the other files of its type. Its full path and its key are derived when
 * read (`path.join(folder, relPath)` is what the walk built; `keyHead/relPath` is the key unless the key had to
 * be rewritten), so 100,000 planned files hold one short string each instead of three.
 */
export class PlannedFile implements UploadTask {
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  /** The key, only when it is not `keyHead/relPath` (an NFC spelling, a Windows backslash). */
  #rewrittenKey: string | undefined = undefined;

  constructor(
    readonly root: TypeRoot,
    readonly relPath: string,
    info: Pick<Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino'>,
  ) {
    this.sizeBytes = info.size;
    this.mtimeMs = Math.floor(info.mtimeMs);
    this.ctimeMs = Math.floor(info.ctimeMs);
    this.ino = info.ino;
  }

  get group(): string {
    return this.root.group;
  }

  get path(): string {
    return path.join(this.root.folder, this.relPath);
  }

  get key(): string {
    return this.#rewrittenKey ?? `${this.root.keyHead}/${this.relPath}`;
  }

  /** Records the file's key as built by joinObjectKey; kept only when the short form would not give it back. */
  setKey(key: string): void {
    const { keyHead } = this.root;
    const isShortForm = key.length === keyHead.length + 1 + this.relPath.length && key.endsWith(this.relPath);
    this.#rewrittenKey = isShortForm ? undefined : key;
  }

  /** Whether the key differs from `keyHead/relPath`: then it may equal another planned key. */
  get isKeyRewritten(): boolean {
    return this.#rewrittenKey !== undefined;
  }
}
