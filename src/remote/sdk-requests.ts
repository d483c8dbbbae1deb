import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ControlRetry } from './control-retry.js';
import type { SignedBody } from './write-request.js';

/** The SDK's send options for a request the run's signal may cancel. */
export function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

/**
 * Sends a request whose body may be a stream. The SDK pipes a stream into the request without listening for
 * its errors, so a failed read (the file shrank) or the run's hard abort would leave the request waiting for
 * bytes that never come, until the socket timeout. The request is aborted at once instead, and the caller
 * sees the body's own error.
 */
export async function sendWithBody<T>(
  body: SignedBody,
  signal: AbortSignal | undefined,
  send: (options: { abortSignal?: AbortSignal }) => Promise<T>,
): Promise<T> {
  if (!(body.stream instanceof Readable)) return send(sendOptions(signal));
  const bodyFailed = new AbortController();
  let bodyError: unknown;
  body.stream.once('error', (error) => {
    bodyError = error;
    bodyFailed.abort(error);
  });
  const abortSignal = signal ? AbortSignal.any([signal, bodyFailed.signal]) : bodyFailed.signal;
  try {
    return await send({ abortSignal });
  } catch (error) {
    throw bodyError ?? error;
  }
}

/** The object and part a request is about, as far as its command names them. */
export interface RequestTarget {
  key?: string | undefined;
  partNumber?: number | undefined;
}

/** What {@link watchAttempts} tells of a client's requests. */
export interface AttemptListener {
  /** Each HTTP request sent: a command's first attempt and each retry. */
  onSend(operation: string, target: RequestTarget): void;
  /** Each request sent again, with the failure of the attempt before it. */
  onRetry(retry: ControlRetry): void;
}

/**
 * Tells `listener` of each request `client` sends and of each one it sends again. The SDK's retry middleware
 * wraps this one (same step, higher priority), so it runs once per attempt; one call of the outer function is one
 * command.
 */
export function watchAttempts(client: S3Client, attempts: number, listener: AttemptListener): void {
  client.middlewareStack.add(
    (next, context) => {
      let failures = 0;
      let lastError: unknown;
      return async (args) => {
        const operation = context.commandName ?? 'unknown';
        listener.onSend(operation, { key: keyOf(args.input), partNumber: partNumberOf(args.input) });
        if (failures > 0)
          listener.onRetry({
            operation,
            key: keyOf(args.input),
            attempt: failures,
            attempts,
            error: lastError,
          });
        try {
          return await next(args);
        } catch (error) {
          failures += 1;
          lastError = error;
          throw error;
        }
      };
    },
    { step: 'finalizeRequest', name: 'watchRequests', priority: 'low' },
  );
}

/** The object key a command's input names, if any. */
function keyOf(input: unknown): string | undefined {
  const key = (input as { Key?: unknown } | undefined)?.Key;
  return typeof key === 'string' ? key : undefined;
}

/** The part number a command's input names (UploadPart, a HeadObject of one part), if any. */
function partNumberOf(input: unknown): number | undefined {
  const partNumber = (input as { PartNumber?: unknown } | undefined)?.PartNumber;
  return typeof partNumber === 'number' ? partNumber : undefined;
}

/**
 * Puts our precomputed SHA-256 (or UNSIGNED-PAYLOAD) in `x-amz-content-sha256` before signing: SigV4 then signs
 * it and the server rejects a body that does not match, and the SDK does not hash the bytes again.
 */
export function signPayload(command: { middlewareStack: unknown }, sha256Hex: string): void {
  const stack = command.middlewareStack as BuildStack;
  stack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = sha256Hex;
      return next(args);
    },
    { step: 'build', name: 'signedPayloadHash' },
  );
}

/**
 * Asks a subresource read (`?tagging`, `?uploadId`) for the first byte only: a server that does not know the
 * subresource serves the object there, whole (a 50 GB reel for a tag set), where one that knows it ignores the
 * Range (Ceph RGW does).
 */
export function readFirstByteOnly(command: { middlewareStack: unknown }): void {
  const stack = command.middlewareStack as BuildStack;
  stack.add((next) => (args) => next(firstByteOnly(args)), { step: 'build', name: 'firstByteOnly' });
}

function firstByteOnly<A extends { request: unknown }>(args: A): A {
  (args.request as { headers: Record<string, string> }).headers.range = 'bytes=0-0';
  return args;
}

type BuildHandler = (args: { request: unknown }) => Promise<unknown>;
interface BuildStack {
  add(middleware: (next: BuildHandler) => BuildHandler, options: { step: 'build'; name: string }): void;
}
