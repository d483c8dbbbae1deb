import { InterruptedError } from '../errors.js';

interface Waiter {
  weightBytes: number;
  start: () => void;
  reject: (error: unknown) => void;
}

/**
 * The one bounded pool for all work: parts of large files and whole small files share a
 * concurrency limit and a memory budget for bodies in flight. Tasks start in FIFO order, so files finish
 * roughly in plan order. A task heavier than the whole budget still runs, alone.
 */
export class TransferScheduler {
  private running = 0;
  private inFlightBytes = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly maxConcurrency: number,
    private readonly maxInFlightBytes: number,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.rejectQueued(), { once: true });
  }

  /**
   * Runs `task` when a slot and `weightBytes` of budget are free.
   * @throws InterruptedError if the run is stopped before the task starts.
   */
  async run<T>(weightBytes: number, task: () => Promise<T>): Promise<T> {
    await this.acquire(weightBytes);
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.inFlightBytes -= weightBytes;
      this.startQueued();
    }
  }

  /** Bytes currently reserved by running tasks. */
  get reservedBytes(): number {
    return this.inFlightBytes;
  }

  private acquire(weightBytes: number): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new InterruptedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ weightBytes, start: resolve, reject });
      this.startQueued();
    });
  }

  private fits(weightBytes: number): boolean {
    if (this.running >= this.maxConcurrency) return false;
    return this.running === 0 || this.inFlightBytes + weightBytes <= this.maxInFlightBytes;
  }

  private startQueued(): void {
    while (this.queue.length > 0 && !this.signal.aborted && this.fits(this.queue[0]!.weightBytes)) {
      const next = this.queue.shift()!;
      this.running += 1;
      this.inFlightBytes += next.weightBytes;
      next.start();
    }
  }

  private rejectQueued(): void {
    for (const waiter of this.queue.splice(0)) waiter.reject(new InterruptedError());
  }
}
