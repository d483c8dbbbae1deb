import { S3_LIMITS } from '../content/part-layout.js';
import { fitPartSize } from './transfer-config.js';

const MiB = 1024 ** 2;

/**
 * The largest part the server takes, learnt during a run. S3 takes parts of 5 GiB, but a server's or a proxy's
 * request size limit refuses bigger bodies with 413: fauxqs takes 11 MiB, nginx's `client_max_body_size` is 1 MiB
 * unless raised, Cloudflare's plans 100-500 MB. Each refusal halves the cap, down to S3's 5 MiB minimum.
 */
export class PartSizeCap {
  #bytes = Infinity;

  /** The cap: parts of new uploads are at most this big unless their file needs bigger ones. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Lowers the cap after the server refused a part of `refusedBytes`; returns the part size a new upload of a
   * file of `sizeBytes` would use now, or undefined when it cannot be smaller than the refused one (the minimum
   * part size, or the file needs parts this big to fit in 10,000).
   */
  lowerAfter(refusedBytes: number, sizeBytes: number): number | undefined {
    const half = Math.floor(refusedBytes / 2 / MiB) * MiB;
    this.#bytes = Math.min(this.#bytes, Math.max(S3_LIMITS.minPartBytes, half));
    const next = fitPartSize(sizeBytes, this.#bytes);
    return next < refusedBytes ? next : undefined;
  }
}
