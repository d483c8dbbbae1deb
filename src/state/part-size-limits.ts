import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { replaceFile } from './replace-file.js';

/** The largest part an endpoint took, as a run learnt it when a bigger one was refused. */
export interface PartSizeLimit {
  bytes: number;
  /** When it was learnt, ISO 8601. */
  learnedAt: string;
}

/** One file for every endpoint a state folder's runs upload to: a few lines, read once per run that sends parts. */
const FILE_NAME = 'part-size-limits.json';

type LimitsFile = Record<string, { bytes: number; learned_at: string }>;

/**
 * The part size limits a state folder's runs learnt, by endpoint (see `endpointId`). A server's or proxy's request
 * size limit (nginx's `client_max_body_size`, fauxqs's 11 MiB) refuses the same parts on every run; without the
 * limit kept, every run would send its first large file's parts at the full size again, have them refused, and
 * start that file over.
 */
export class PartSizeLimits {
  readonly #file: string;
  /** The saves of this instance, one after the other: a later, lower limit is never overwritten by an earlier one. */
  #saving: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.#file = path.join(stateDir, FILE_NAME);
  }

  /** The limit learnt for `endpoint`, or undefined; a file that cannot be read or parsed counts as none. */
  async load(endpoint: string): Promise<PartSizeLimit | undefined> {
    const entry = (await this.#read())[endpoint];
    if (!entry || !(Number.isSafeInteger(entry.bytes) && entry.bytes > 0)) return undefined;
    return { bytes: entry.bytes, learnedAt: String(entry.learned_at) };
  }

  /**
   * Keeps `bytes` as the limit of `endpoint`, replacing the file atomically, after the saves before it. Two runs
   * saving at once may lose one of the two limits, which its next run learns again; neither corrupts the file.
   * @throws the write's error.
   */
  save(endpoint: string, bytes: number, now = new Date()): Promise<void> {
    const saved = this.#saving.then(async () => {
      const limits = await this.#read();
      limits[endpoint] = { bytes, learned_at: now.toISOString() };
      await mkdir(path.dirname(this.#file), { recursive: true });
      await replaceFile(this.#file, `${JSON.stringify(limits, null, 2)}\n`);
    });
    this.#saving = saved.catch(() => undefined);
    return saved;
  }

  /** Resolves once every save started so far has ended, written or not. */
  settled(): Promise<void> {
    return this.#saving;
  }

  async #read(): Promise<LimitsFile> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.#file, 'utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as LimitsFile) : {};
    } catch {
      return {};
    }
  }
}
