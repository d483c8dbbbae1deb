import { UploadError } from '../errors.js';
import { toUploadError } from '../remote/classify-error.js';
import { describeControlRequest, type ControlRetry } from '../remote/control-retry.js';
import type { RetryNotice } from '../status/status-tracker.js';
import type { SignedBody } from '../remote/write-request.js';
import type { FileSource } from './file-source.js';
import type { CrcName } from '../content/crc.js';
import type { IntegrityMode } from './integrity-mode.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import {
  hashBuffer,
  hashedInFlightBody,
  hashRange,
  SLICE_BYTES,
  STREAMED_BODY_BYTES,
  streamedBody,
  type BodyDigests,
  type BodyPacing,
  type ByteRange,
  type DigestChoice,
} from './signed-body.js';
import type { TransferContext } from './transfer-context.js';

/** Makes a fresh body for one attempt and sends it with `request`; returns what `request` returns. */
export type BodySender = <T>(attempt: number, request: (body: SignedBody) => Promise<T>) => Promise<T>;

/** Memory a body of `lengthBytes` holds while it is hashed and sent: itself if small, else a streaming window. */
export function bodyMemoryBytes(lengthBytes: number): number {
  return Math.min(lengthBytes, STREAMED_BODY_BYTES);
}

/**
 * Hashes a range with the digests `choice` names and returns how to make its body for each attempt. A range of
 * one slice or less is read once and sent from memory (streaming it would only add per-request overhead); a
 * bigger one is hashed in a first read and streamed from the file in a second, so memory never holds a whole
 * part. A streamed retry first checks that the file is unchanged: its bytes would no longer match the digests.
 * @throws SourceError if the file changed.
 */
export async function prepareBody(
  source: FileSource,
  range: ByteRange,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
  choice: DigestChoice,
  integrity: IntegrityMode,
): Promise<{ digests: BodyDigests; send: BodySender }> {
  if (range.length <= SLICE_BYTES) {
    const buffer = await source.read(range.start, range.length);
    return bufferBody(buffer, ctx, onBytes, choice, integrity);
  }
  const scratch = ctx.buffers.acquire(SLICE_BYTES);
  let digests: BodyDigests;
  try {
    digests = await hashRange(source, range, scratch, choice);
  } finally {
    ctx.buffers.release(scratch);
  }
  const pacing = pacingOf(ctx, onBytes);
  const send: BodySender = async (attempt, request) => {
    await beforeStreamedAttempt(ctx, source, range, attempt);
    const bodyChecks = bodyDigests(digests, integrity, choice.crc);
    return request(streamedBody(source, range, bodyChecks, pacing, ctx.buffers));
  };
  return { digests, send };
}

/**
 * Makes a fresh body for one attempt, read once and MD5-hashed as it goes out, and sends it with `request`, which
 * also gets the MD5 of what went out (known once the body has gone out).
 */
export type ReadOnceSender = <T>(
  attempt: number,
  request: (body: SignedBody, digests: () => BodyDigests) => Promise<T>,
) => Promise<T>;

/**
 * How to send a range read once (see {@link hashedInFlightBody}), for a body whose answer proves what the server
 * stored. A retry first checks that the file is unchanged, as for any streamed body.
 */
export function readOnceBody(
  source: FileSource,
  range: ByteRange,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
): ReadOnceSender {
  const pacing = pacingOf(ctx, onBytes);
  return async (attempt, request) => {
    await beforeStreamedAttempt(ctx, source, range, attempt);
    const hashed = hashedInFlightBody(source, range, pacing, ctx.buffers);
    return request(hashed.body, hashed.digests);
  };
}

function pacingOf(ctx: TransferContext, onBytes: (delta: number) => void): BodyPacing {
  return { limiter: ctx.limiter, onBytes, signal: ctx.hardSignal };
}

/** A retry of a body streamed from the file re-reads it: the file must still be the one planned. */
async function beforeStreamedAttempt(
  ctx: TransferContext,
  source: FileSource,
  range: ByteRange,
  attempt: number,
): Promise<void> {
  logResend(ctx, range, attempt);
  if (attempt > 1) await source.assertUnchanged();
}

/** Hashes bytes already read with the digests `choice` names; the body is sent from memory on every attempt. */
export function bufferBody(
  buffer: Buffer,
  ctx: TransferContext,
  onBytes: (delta: number) => void,
  choice: DigestChoice,
  integrity: IntegrityMode,
): { digests: BodyDigests; send: BodySender } {
  const digests = hashBuffer(buffer, choice);
  const send: BodySender = async (attempt, request) => {
    logResend(ctx, { start: 0, length: buffer.length }, attempt);
    await ctx.limiter.take(buffer.length, ctx.hardSignal);
    const answer = await request({
      stream: buffer,
      lengthBytes: buffer.length,
      ...bodyDigests(digests, integrity, choice.crc),
    });
    onBytes(buffer.length);
    return answer;
  };
  return { digests, send };
}

/**
 * The digests a request carries: all we have, and in checksum mode the checksum S3 stores: the body's CRC when the
 * upload stores one, else its SHA-256.
 */
function bodyDigests(
  digests: BodyDigests,
  integrity: IntegrityMode,
  crcName: CrcName | undefined,
): Omit<SignedBody, 'stream' | 'lengthBytes'> {
  const crc =
    integrity === 'checksum' && crcName && digests.crc ? { name: crcName, value: digests.crc } : undefined;
  return {
    sha256Hex: digests.sha256,
    md5Hex: digests.md5,
    storeChecksum: integrity === 'checksum' && !crc,
    crc,
  };
}

function logResend(ctx: TransferContext, range: ByteRange, attempt: number): void {
  if (attempt > 1) ctx.debug(`resending ${range.length} bytes (attempt ${attempt})`);
}

/**
 * Runs `attempt` with the engine's retry policy, logging each retry under --debug. `what` reads
 * `<operation> <target>`, e.g. `upload KEY part 3`, and names the failure. `giveUp` may end the retries early
 * with an error of its own, as the link watch may.
 * @throws the final error, in the project's hierarchy.
 */
export async function sendWithRetry<T>(
  what: string,
  ctx: TransferContext,
  attempt: (n: number) => Promise<T>,
  giveUp?: (error: unknown) => Error | undefined,
): Promise<T> {
  const options = reportedRetries(what, ctx);
  const linkGiveUp = options.giveUp;
  if (giveUp) options.giveUp = (error) => giveUp(error) ?? linkGiveUp?.(error);
  try {
    return await withRetry(attempt, options);
  } catch (error) {
    throw toUploadError(error, what.split(' ')[0] ?? 'upload', what.split(' ').slice(1).join(' '));
  }
}

/**
 * The engine's retry policy for a request of the file being sent, `what` (`complete upload of KEY`): each retry is
 * logged under --debug and told to the views through `ctx.onRetry`.
 */
export function reportedRetries(
  what: string,
  ctx: TransferContext,
): Parameters<typeof withRetry>[1] & { policy: RetryPolicy } {
  return {
    policy: DEFAULT_RETRY,
    signal: ctx.hardSignal,
    onSuccess: () => ctx.link?.answered(),
    giveUp: (error) => {
      ctx.link?.failed(error);
      return ctx.link?.stopIfDown(describeError(error));
    },
    onRetry: (error, n, delayMs) => {
      const reason = describeError(error);
      ctx.debug(`${what}: attempt ${n} failed (${reason}); retrying in ${delayMs} ms`);
      ctx.onRetry?.({ what, attempt: n, attempts: DEFAULT_RETRY.attempts, delayMs, reason });
    },
  };
}

/**
 * A retry the SDK's control client made of one of the file's requests (its completion, its part listing), as the
 * views show the engine's own: the client has already waited, so the request goes again now.
 */
export function controlRetryNotice(retry: ControlRetry): RetryNotice {
  return {
    what: describeControlRequest(retry.operation, retry.key),
    attempt: retry.attempt,
    attempts: retry.attempts,
    delayMs: 0,
    reason: describeError(retry.error),
  };
}

/** A short name for a failed request: its S3 code and HTTP status, or its message. */
export function describeError(error: unknown): string {
  if (error instanceof UploadError) return error.message;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return [e.code ?? e.name, e.$metadata?.httpStatusCode].filter(Boolean).join(' ') || String(e.message);
}
