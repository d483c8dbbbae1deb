import { S3_LIMITS } from '../content/part-layout.js';
import { RemoteError } from '../errors.js';
import { errorCode } from '../remote/classify-error.js';
import { formatBytes } from '../status/format.js';
import { describeError } from './send-body.js';
import { fitPartSize } from './transfer-config.js';

const MiB = 1024 ** 2;

/**
 * Parts this big pass the servers and proxies S3 clients meet: the AWS CLI's and rclone's default part size, the
 * smallest our own tiers use. Bigger ones are what a request size limit refuses.
 */
const COMMON_PART_BYTES = 8 * MiB;

/**
 * The largest part the server takes, learnt during a run. S3 takes parts of 5 GiB, but a server's or a proxy's
 * request size limit refuses bigger bodies with 413: fauxqs takes 11 MiB, nginx's `client_max_body_size` is 1 MiB
 * unless raised, Cloudflare's plans 100-500 MB. Each refusal halves the cap, down to S3's 5 MiB minimum. A run starts
 * from the cap an earlier one learnt (`startBytes`), and `onLowered` keeps each new one for the runs after it.
 */
export class PartSizeCap {
  #bytes: number;
  #acceptedBytes = 0;
  readonly #onLowered: ((bytes: number) => void) | undefined;

  constructor(startBytes = Infinity, onLowered?: (bytes: number) => void) {
    this.#bytes = startBytes;
    this.#onLowered = onLowered;
  }

  /** The cap: parts of new uploads are at most this big unless their file needs bigger ones. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Notes a part the server stored: parts up to its size are not refused for their size. */
  noteAccepted(partBytes: number): void {
    this.#acceptedBytes = Math.max(this.#acceptedBytes, partBytes);
  }

  /**
   * Whether the server closing connections while parts of `partBytes` are sent may be a size limit: they are
   * bigger than the common size and than any part it took in this run.
   */
  mayRefuse(partBytes: number): boolean {
    return partBytes > COMMON_PART_BYTES && partBytes > this.#acceptedBytes;
  }

  /**
   * Lowers the cap after the server refused a part of `refusedBytes`; returns the part size a new upload of a
   * file of `sizeBytes` would use now, or undefined when it cannot be smaller than the refused one (the minimum
   * part size, or the file needs parts this big to fit in 10,000).
   */
  lowerAfter(refusedBytes: number, sizeBytes: number): number | undefined {
    const half = Math.floor(refusedBytes / 2 / MiB) * MiB;
    return this.#lowerTo(Math.max(S3_LIMITS.minPartBytes, half), refusedBytes, sizeBytes);
  }

  /**
   * Lowers the cap to the common part size after connections closed while parts of `closedBytes` were sent
   * ({@link PartsClosedMidBody}); returns the part size a new upload of the file would use, as {@link lowerAfter}.
   */
  lowerAfterCloses(closedBytes: number, sizeBytes: number): number | undefined {
    return this.#lowerTo(COMMON_PART_BYTES, closedBytes, sizeBytes);
  }

  #lowerTo(capBytes: number, refusedBytes: number, sizeBytes: number): number | undefined {
    if (capBytes < this.#bytes) {
      this.#bytes = capBytes;
      this.#onLowered?.(capBytes);
    }
    const next = fitPartSize(sizeBytes, this.#bytes);
    return next < refusedBytes ? next : undefined;
  }
}

/**
 * The server closed the connection twice while a part was being sent, and has taken no part that big. A request
 * size limit often shows so: the server answers 413 after reading up to its limit and closes at once, and the
 * answer is lost with the connection (fauxqs does; the client is still writing and meets EPIPE). Retrying the same
 * size would meet it ten times per part; the upload starts again in common-sized parts instead. Nothing is lost
 * by that: no part of the upload was stored.
 */
export class PartsClosedMidBody extends RemoteError {
  constructor(
    what: string,
    readonly partBytes: number,
    cause: unknown,
  ) {
    super(`${what}: the server closed the connection twice while the part was sent`, false, { cause });
  }

  /** The file's error when it needs parts this big to fit in 10,000: no smaller part can be tried. */
  withNoSmallerPart(): RemoteError {
    return new RemoteError(
      `${this.message} (${describeError(this.cause)}), and the file needs parts of ${formatBytes(this.partBytes)} ` +
        'to fit in 10,000; check the network, and any request size limit of the server or of a proxy before it ' +
        '(nginx: client_max_body_size)',
      false,
      { cause: this.cause },
    );
  }
}

/** Network errors that close a connection while a request body is still being written. */
const CLOSED_MID_BODY = new Set(['EPIPE', 'ECONNRESET']);

/**
 * A `giveUp` for the retries of one part (see `withRetry`): a {@link PartsClosedMidBody} at its second close
 * while the cap says parts of its size may be refused.
 */
export function giveUpOnCloses(
  what: string,
  partBytes: number,
  cap: PartSizeCap,
): (error: unknown) => Error | undefined {
  let closes = 0;
  return (error) => {
    if (!CLOSED_MID_BODY.has(errorCode(error))) return undefined;
    closes++;
    return closes >= 2 && cap.mayRefuse(partBytes)
      ? new PartsClosedMidBody(what, partBytes, error)
      : undefined;
  };
}
