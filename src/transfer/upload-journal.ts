import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { replaceFile } from '../state/replace-file.js';
import type { ObjectEncryption, RemotePart } from '../remote/remote-object.js';
import type { CrcName } from '../content/crc.js';
import type { IntegrityMode } from './integrity-mode.js';
import type { UploadSettings } from './upload-settings.js';

/**
 * A part the server confirmed: its ETag as the server answered, and the local digest of its range that the
 * upload's integrity mode compares with (MD5 in `md5` mode, SHA-256 in `checksum` mode), hex. A part carried
 * over from a version 1 journal has no local digest until its range is hashed again.
 */
export interface JournalPart extends RemotePart {
  md5?: string;
  sha256?: string;
  /** The part's CRC (base64), in an upload that stores a full-object CRC. */
  crc?: string;
}

/**
 * What a resumed run needs to continue a multipart upload: which upload, which file it was for (size, mtime
 * and file id, to notice a changed file whatever its path is spelt like), the part size, how the upload proves
 * its parts, and the parts already sent.
 */
export interface UploadJournal {
  version: 2;
  endpoint: string;
  bucket: string;
  key: string;
  /**
   * The path as the run that wrote the journal spelt it: for messages, and to tell a leftover upload whose file is
   * still there from one whose file is gone; never to match a planned file to its journal.
   */
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  /** The file's device and inode (file index on Windows), when the OS gives one. */
  fileId?: string;
  /** The file's change time when the upload started or last resumed: an edit in place moves it, whatever the mtime. */
  ctimeMs?: number;
  uploadId: string;
  partSizeBytes: number;
  /** The mode the upload was started in: a checksum upload needs checksums on every part and at completion. */
  integrity: IntegrityMode;
  /** The full-object CRC the upload stores, in checksum mode; absent: SHA-256 part checksums. */
  crc?: CrcName;
  /** The encryption the server reported for the upload: it says whether part ETags are MD5s. */
  encryption?: ObjectEncryption;
  sha256?: string;
  /** What the upload was started with beyond its bytes; absent in journals written before it was recorded. */
  settings?: UploadSettings;
  createdAt: string;
  parts: JournalPart[];
}

/** A journal as version 1 wrote it: no file id, no integrity mode (it sent no checksums), no local digests. */
type JournalV1 = Omit<UploadJournal, 'version' | 'integrity' | 'fileId' | 'encryption'> & { version: 1 };

/** The journal in today's shape, or undefined for one that is neither version. */
function upgrade(read: UploadJournal | JournalV1): UploadJournal | undefined {
  if (read.version === 2) return read;
  if (read.version === 1) return { ...read, version: 2, integrity: 'md5' };
  return undefined;
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
      const journal = upgrade(
        JSON.parse(await readFile(this.fileFor(bucket, key), 'utf8')) as UploadJournal | JournalV1,
      );
      return journal?.key === key && journal.bucket === bucket ? journal : undefined;
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
        const journal = upgrade(
          JSON.parse(await readFile(path.join(this.folder, name), 'utf8')) as UploadJournal | JournalV1,
        );
        if (journal?.endpoint === this.endpoint) journals.push(journal);
      } catch {
        // a torn or foreign file is not a journal
      }
    }
    return journals;
  }
}
