import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SignedBody } from '../remote/s3-store.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';

/** Slice size for progress and pacing: small enough for a smooth bar, large enough to stay cheap. */
const SLICE_BYTES = 1024 * 1024;

/**
 * Wraps an in-memory part as a request body: hashed once (SHA-256 for the signature, which the
 * server verifies), then streamed in slices so progress is reported while the bytes go out and the
 * bandwidth limit applies inside a part. A new body is made for every attempt.
 */
export function makeSignedBody(
  buffer: Buffer,
  options: {
    sha256Hex?: string;
    md5: boolean;
    limiter: BandwidthLimiter;
    onBytes: (delta: number) => void;
    signal: AbortSignal;
  },
): SignedBody {
  const sha256Hex = options.sha256Hex ?? createHash('sha256').update(buffer).digest('hex');
  const md5Base64 = options.md5 ? createHash('md5').update(buffer).digest('base64') : undefined;
  const stream = Readable.from(slices(buffer, options), { objectMode: false });
  // The SDK pipes a body without listening for its 'error'. The only error here is the run's hard abort
  // (a paced slice stops waiting), which aborts the request itself too; unheard, it would crash the process.
  stream.on('error', () => {});
  return {
    stream,
    lengthBytes: buffer.length,
    sha256Hex,
    ...(md5Base64 ? { md5Base64 } : {}),
  };
}

async function* slices(
  buffer: Buffer,
  options: { limiter: BandwidthLimiter; onBytes: (delta: number) => void; signal: AbortSignal },
): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += SLICE_BYTES) {
    const slice = buffer.subarray(offset, Math.min(offset + SLICE_BYTES, buffer.length));
    await options.limiter.take(slice.length, options.signal);
    yield slice;
    options.onBytes(slice.length);
  }
}
