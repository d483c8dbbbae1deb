import type { FileIdentity } from '../content/file-identity.js';
import { FileSource } from './file-source.js';
import { monotonicMs } from '../monotonic-clock.js';

/** A blocking read of a small file that takes longer waited on the disk: from the page cache, 1 MiB takes ~0.2 ms. */
const SLOW_READ_MS = 2;
/**
 * Slow reads that switch a run to the thread pool, if they are also one in four reads or more. Fewer is not enough:
 * on a busy machine a read from memory can wait for a core, and three of a run's first ten reads did (two cores
 * shared with a Ceph server that had just started).
 */
const SLOW_READS_TO_SWITCH = 8;

/**
 * Reads small files whole (one request body each): in blocking calls while the disk answers from memory, through the
 * thread pool for the rest of the run once it does not. From the page cache a blocking read costs less CPU than the
 * pool's four trips (3,000 files to a local sink: 2.9 CPU-s against 3.7); from a slow disk or network share it
 * reads one file at a time and holds up every request in flight (2,000 files on a mount adding 3 ms per open and
 * read: 18 s against 5 s through the pool). A busy machine's odd stall is not a slow disk: a run switches only
 * when slow reads are several and at least one in four.
 */
export class WholeFileReader {
  private reads = 0;
  private slowReads = 0;
  private pooled = false;

  /**
   * @param onPooled told once, when the run moves to the thread pool, why (for `--debug`)
   * @param now the clock the reads are timed with
   */
  constructor(
    private readonly onPooled: (message: string) => void = () => {},
    private readonly now: () => number = monotonicMs,
  ) {}

  /** Whether the next read blocks (false once the disk has shown itself slow). */
  get blocking(): boolean {
    return !this.pooled;
  }

  /** @throws SourceError when the file cannot be read or no longer matches `identity`. */
  async read(path: string, identity: FileIdentity): Promise<Buffer> {
    if (this.pooled) return FileSource.readWhole(path, identity);
    const started = this.now();
    try {
      return FileSource.readWholeBlocking(path, identity);
    } finally {
      this.count(this.now() - started);
    }
  }

  private count(elapsedMs: number): void {
    this.reads += 1;
    if (elapsedMs > SLOW_READ_MS) this.slowReads += 1;
    this.pooled = this.slowReads >= SLOW_READS_TO_SWITCH && this.slowReads * 4 >= this.reads;
    if (this.pooled) {
      this.onPooled(
        `${this.slowReads} of the first ${this.reads} small-file reads took over ${SLOW_READ_MS} ms: ` +
          'reading small files through the thread pool, several at a time, from now on',
      );
    }
  }
}
