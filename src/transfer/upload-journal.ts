import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { replaceFile } from '../state/replace-file.js';
import type { RemotePart } from '../remote/s3-store.js';

/**
 * What a resumed run needs to continue a multipart upload: which upload, which file it was
 * for (size and mtime, to notice a changed file), the part size, and the parts already sent.
 */
export interface UploadJournal {
  version: 1;
  endpoint: string;
  bucket: string;
  key: string;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  uploadId: string;
  partSizeBytes: number;
  sha256?: string;
  createdAt: string;
  parts: RemotePart[];
}

/**
 * Journals of in-progress multipart uploads, one JSON file each under `<stateDir>/journals`,
 * written atomically (temp file, fsync, rename) so a kill at any moment leaves the last good copy.
 */
export class JournalStore {
  private readonly folder: string;
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    stateDir: string,
    readonly endpoint: string,
  ) {
    this.folder = path.join(stateDir, 'journals');
  }

  private fileFor(bucket: string, key: string): string {
    const id = createHash('sha256').update(`${this.endpoint}\n${bucket}\n${key}`).digest('hex').slice(0, 32);
    return path.join(this.folder, `${id}.json`);
  }

  /** The journal for `bucket/key` at this endpoint, or undefined (a corrupt one counts as none). */
  async load(bucket: string, key: string): Promise<UploadJournal | undefined> {
    try {
      const journal = JSON.parse(await readFile(this.fileFor(bucket, key), 'utf8')) as UploadJournal;
      return journal.version === 1 && journal.key === key && journal.bucket === bucket ? journal : undefined;
    } catch {
      return undefined;
    }
  }

  /** Saves a snapshot of `journal`; saves of one journal are serialised so an older one never wins. */
  save(journal: UploadJournal): Promise<void> {
    const file = this.fileFor(journal.bucket, journal.key);
    const text = JSON.stringify(journal);
    const previous = this.writes.get(file) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(this.folder, { recursive: true });
      await replaceFile(file, text);
    });
    this.writes.set(
      file,
      next.catch(() => {}),
    );
    return next;
  }

  /** Removes the journal once its upload is completed or aborted. */
  async remove(bucket: string, key: string): Promise<void> {
    const file = this.fileFor(bucket, key);
    await (this.writes.get(file) ?? Promise.resolve());
    this.writes.delete(file);
    await rm(file, { force: true });
  }

  /** Every journal in the store for this endpoint (for `cleanup`). */
  async list(): Promise<UploadJournal[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const journals: UploadJournal[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const journal = JSON.parse(await readFile(path.join(this.folder, name), 'utf8')) as UploadJournal;
        if (journal.endpoint === this.endpoint) journals.push(journal);
      } catch {
        // a torn or foreign file is not a journal
      }
    }
    return journals;
  }
}
