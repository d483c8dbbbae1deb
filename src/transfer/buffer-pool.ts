/**
 * Reuses slice buffers instead of leaving freed ones to the garbage collector, so resident memory
 * stays at what bodies in flight hold instead of that plus whatever the GC has not collected yet.
 * Only exact-size buffers are reused.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private pooledBytes = 0;

  constructor(private readonly maxPooledBytes: number) {}

  /** A buffer of exactly `sizeBytes` (contents undefined). */
  acquire(sizeBytes: number): Buffer {
    const reused = this.free.get(sizeBytes)?.pop();
    if (reused) {
      this.pooledBytes -= sizeBytes;
      return reused;
    }
    return Buffer.allocUnsafeSlow(sizeBytes);
  }

  /** Returns a buffer for reuse; the caller must not touch it afterwards. */
  release(buffer: Buffer): void {
    if (this.pooledBytes + buffer.length > this.maxPooledBytes) return;
    const list = this.free.get(buffer.length) ?? [];
    list.push(buffer);
    this.free.set(buffer.length, list);
    this.pooledBytes += buffer.length;
  }
}
