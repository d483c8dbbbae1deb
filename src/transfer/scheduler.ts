import { InterruptedError } from '../errors.js';

interface Waiter {
  weightBytes: number;
  wireBytes: number;
  start: () => void;
  reject: (error: unknown) => void;
}

/**
 * The one bounded pool for all work: parts of large files and whole small files share a
 * concurrency limit, a memory budget for bodies in flight and, on a paced link, a budget of the bytes those bodies
 * send (see `pacedWireBytes`). Tasks start in FIFO order, so files finish roughly in plan order. A task heavier
 * than a whole budget still runs, alone.
 */
export class TransferScheduler {
  private running = 0;
  private inFlightBytes = 0;
  private wireBytes = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly maxConcurrency: number,
    private readonly maxInFlightBytes: number,
    private readonly signal: AbortSignal,
    private readonly maxWireBytes = Infinity,
  ) {
    signal.addEventListener('abort', () => this.rejectQueued(), { once: true });
  }

  /**
   * Runs `task` when a slot, `weightBytes` of memory and `wireBytes` (the body it sends) of the wire's budget are free.
   * @throws InterruptedError if the run is stopped before the task starts.
   */
  async run<T>(weightBytes: number, task: () => Promise<T>, wireBytes = 0): Promise<T> {
    await this.acquire(weightBytes, wireBytes);
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.inFlightBytes -= weightBytes;
      this.wireBytes -= wireBytes;
      this.startQueued();
    }
  }

  /** Bytes currently reserved by running tasks. */
  get reservedBytes(): number {
    return this.inFlightBytes;
  }

  private acquire(weightBytes: number, wireBytes: number): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new InterruptedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ weightBytes, wireBytes, start: resolve, reject });
      this.startQueued();
    });
  }

  private fits({ weightBytes, wireBytes }: Waiter): boolean {
    if (this.running >= this.maxConcurrency) return false;
    if (this.running === 0) return true;
    return (
      this.inFlightBytes + weightBytes <= this.maxInFlightBytes &&
      this.wireBytes + wireBytes <= this.maxWireBytes
    );
  }

  private startQueued(): void {
    while (this.queue.length > 0 && !this.signal.aborted && this.fits(this.queue[0]!)) {
      const next = this.queue.shift()!;
      this.running += 1;
      this.inFlightBytes += next.weightBytes;
      this.wireBytes += next.wireBytes;
      next.start();
    }
  }

  private rejectQueued(): void {
    for (const waiter of this.queue.splice(0)) waiter.reject(new InterruptedError());
  }
}
