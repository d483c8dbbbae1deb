import { createHash } from 'node:crypto';
import { createCrc, type CrcName } from '../content/crc.js';
import { Readable, type Writable } from 'node:stream';
import type { SignedBody } from '../remote/write-request.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import type { BufferPool } from './buffer-pool.js';
import type { FileSource } from './file-source.js';

/** Slice size for reading, hashing, progress and pacing: small enough for a smooth bar, large enough to stay cheap. */
export const SLICE_BYTES = 1024 * 1024;

/**
 * What one streamed body keeps in memory at most: the slice being read and the one the socket is taking.
 * The scheduler reserves this, not the part size, so memory does not grow with part size or file size.
 */
export const STREAMED_BODY_BYTES = 2 * SLICE_BYTES;

/** A byte range of a file. */
export interface ByteRange {
  start: number;
  length: number;
}

/** Digests of a body, hex (the CRC base64, as S3 writes it): the ones asked for. */
export interface BodyDigests {
  sha256?: string;
  md5?: string;
  crc?: string;
}

/** Which digests a body needs: each one costs a pass of the CPU over every byte. */
export interface DigestChoice {
  sha256: boolean;
  md5: boolean;
  /** The CRC S3 is asked to store, if any. */
  crc?: CrcName;
}

/** What a body needs from the run while it goes out. */
export interface BodyPacing {
  limiter: BandwidthLimiter;
  onBytes: (delta: number) => void;
  signal: AbortSignal;
}

/**
 * Reads `range` once and hashes it with the digests `choice` names: SHA-256 for the signature and the
 * checksum, MD5 for Content-MD5 and the ETag. `scratch` is a buffer of at least one slice, reused for every slice.
 * @throws SourceError if the file changed (see {@link FileSource.read}).
 */
export async function hashRange(
  source: FileSource,
  range: ByteRange,
  scratch: Buffer,
  choice: DigestChoice,
): Promise<BodyDigests> {
  const hashes = startHashes(choice);
  for (let offset = 0; offset < range.length; offset += SLICE_BYTES) {
    const length = Math.min(SLICE_BYTES, range.length - offset);
    const slice = await source.readRange(range.start + offset, length, scratch);
    hashes.update(slice);
  }
  await source.assertUnchanged();
  return hashes.digests();
}

/** The digests `choice` names of bytes already in memory. */
export function hashBuffer(buffer: Buffer, choice: DigestChoice): BodyDigests {
  const hashes = startHashes(choice);
  hashes.update(buffer);
  return hashes.digests();
}

function startHashes(choice: DigestChoice): { update: (bytes: Buffer) => void; digests: () => BodyDigests } {
  const sha256 = choice.sha256 ? createHash('sha256') : undefined;
  const md5 = choice.md5 ? createHash('md5') : undefined;
  const crc = choice.crc ? createCrc(choice.crc) : undefined;
  return {
    update: (bytes) => {
      sha256?.update(bytes);
      md5?.update(bytes);
      crc?.update(bytes);
    },
    digests: () => ({
      ...(sha256 ? { sha256: sha256.digest('hex') } : {}),
      ...(md5 ? { md5: md5.digest('hex') } : {}),
      ...(crc ? { crc: crc.digest() } : {}),
    }),
  };
}

/**
 * A request body that reads `range` from the file again as it goes out, slice by slice, after
 * {@link hashRange} read it (so the bytes come from the page cache, not the disk). If the file changed between
 * the two reads the server refuses the body, since it no longer matches the signed SHA-256 or Content-MD5 in
 * `digests`. A new body is made for every attempt.
 */
export function streamedBody(
  source: FileSource,
  range: ByteRange,
  digests: Omit<SignedBody, 'stream' | 'lengthBytes'>,
  pacing: BodyPacing,
  buffers: BufferPool,
): SignedBody {
  return {
    stream: new FileRangeStream(source, range, pacing, buffers),
    lengthBytes: range.length,
    ...digests,
  };
}

/** A body read once, hashed as it goes out; its digests are known when the server has taken all of it. */
export interface HashedInFlightBody {
  body: SignedBody;
  /**
   * The digests of the bytes that went out.
   * @throws Error when the body was not read to its end (the request cannot have succeeded then).
   */
  digests: () => BodyDigests;
}

/**
 * A request body that reads `range` once, MD5-hashing each slice as it goes out, and carries no digest for the
 * server to check: for a part whose answer proves what the server stored (an ETag that is the MD5 of the part), so
 * the file is read once instead of once to hash and once to send. A new body is made for every attempt.
 */
export function hashedInFlightBody(
  source: FileSource,
  range: ByteRange,
  pacing: BodyPacing,
  buffers: BufferPool,
): HashedInFlightBody {
  const hashes = startHashes({ sha256: false, md5: true });
  let hashedBytes = 0;
  const onSlice = (slice: Buffer) => {
    hashes.update(slice);
    hashedBytes += slice.length;
  };
  return {
    body: {
      stream: new FileRangeStream(source, range, pacing, buffers, onSlice),
      lengthBytes: range.length,
      checkedByEtag: true,
    },
    digests: () => {
      if (hashedBytes !== range.length)
        throw new Error(`the body was read to ${hashedBytes} of ${range.length} bytes`);
      return hashes.digests();
    },
  };
}

/**
 * Streams a file range with bounded memory. Piped (as the SDK sends a body), it writes each slice itself and
 * takes the slice's buffer back for the next one once the socket has flushed it, so memory stays at about two
 * slices per body whatever the part size, and no garbage builds up: fresh 1 MiB buffers per slice would let
 * about 64 MB of dead ones wait for V8's next collection. Read any other way, it still works, with a new buffer
 * per slice. Progress and the bandwidth limit apply inside the body.
 */
class FileRangeStream extends Readable {
  private offset = 0;

  constructor(
    private readonly source: FileSource,
    private readonly range: ByteRange,
    private readonly pacing: BodyPacing,
    private readonly buffers: BufferPool,
    private readonly onSlice?: (slice: Buffer) => void,
  ) {
    super();
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.pump(destination as unknown as Writable, options?.end !== false).catch((error: unknown) =>
      this.destroy(error as Error),
    );
    return destination;
  }

  override _read(): void {
    this.nextSlice(Buffer.allocUnsafeSlow(SLICE_BYTES)).then(
      (slice) => this.push(slice ?? null),
      (error: unknown) => this.destroy(error as Error),
    );
  }

  private async pump(destination: Writable, end: boolean): Promise<void> {
    for (;;) {
      const buffer = this.buffers.acquire(SLICE_BYTES);
      const slice = await this.nextSlice(buffer);
      if (!slice || destination.destroyed) {
        this.buffers.release(buffer);
        break;
      }
      // the buffer is only reused after a successful write: after a failed one the socket may still hold it
      const flowing = destination.write(slice, (error) => error || this.buffers.release(buffer));
      if (!flowing && !(await drained(destination))) return;
    }
    if (end && !destination.destroyed) destination.end();
  }

  /** Reads the next slice into `buffer`, after pacing; undefined at the end of the range. */
  private async nextSlice(buffer: Buffer): Promise<Buffer | undefined> {
    const length = Math.min(SLICE_BYTES, this.range.length - this.offset);
    if (length <= 0) return undefined;
    await this.pacing.limiter.take(length, this.pacing.signal);
    const slice = await this.source.readRange(this.range.start + this.offset, length, buffer);
    this.offset += length;
    this.onSlice?.(slice);
    this.pacing.onBytes(length);
    return slice;
  }
}

/** Resolves true when `destination` drains, false if it closes or fails first. */
function drained(destination: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => () => {
      destination.off('drain', onDrain);
      destination.off('close', onClose);
      destination.off('error', onClose);
      resolve(ok);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    destination.on('drain', onDrain);
    destination.on('close', onClose);
    destination.on('error', onClose);
  });
}
