import { ConfigError } from '../errors.js';
import { MULTIPART_THRESHOLD_BYTES, S3_LIMITS } from '../content/part-layout.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** How one file is sent. */
export interface TransferPlan {
  multipart: boolean;
  partSizeBytes: number;
  partCount: number;
  /** Parts of this file that may be in flight at once. */
  workers: number;
}

/**
 * The seed's size tiers (`get_transfer_config`): small files favour speed, big ones stability.
 * `< 512 MB: 8 MB parts, 8 workers; 512 MB–8 GB: 64 MB, 6; > 8 GB: 128 MB, 4`.
 */
const TIERS: ReadonlyArray<{ belowBytes: number; partSizeBytes: number; workers: number }> = [
  { belowBytes: 512 * MiB, partSizeBytes: 8 * MiB, workers: 8 },
  { belowBytes: 8 * GiB, partSizeBytes: 64 * MiB, workers: 6 },
  { belowBytes: Infinity, partSizeBytes: 128 * MiB, workers: 4 },
];

/**
 * Chooses part size, part count and per-file workers for a file of `sizeBytes` (pure).
 * The tier's part size grows in whole MiB when needed so the file fits in 10,000 parts
 * (a 2 TB file gets bigger parts, not an error). `maxWorkers` caps the tier's workers, `maxPartBytes` its part
 * size (a server that refuses bigger bodies, see `PartSizeCap`).
 * @throws ConfigError when the file is bigger than S3's 5 TiB object limit.
 */
export function getTransferConfig(
  sizeBytes: number,
  maxWorkers = Infinity,
  maxPartBytes = Infinity,
): TransferPlan {
  if (sizeBytes > S3_LIMITS.maxObjectBytes) {
    throw new ConfigError(
      `plan upload: the file is ${sizeBytes} bytes, over S3's 5 TiB object limit; split it before uploading`,
    );
  }
  const tier = TIERS.find((t) => sizeBytes < t.belowBytes) ?? TIERS[TIERS.length - 1]!;
  const workers = Math.max(1, Math.min(tier.workers, maxWorkers));
  if (sizeBytes < MULTIPART_THRESHOLD_BYTES) {
    return { multipart: false, partSizeBytes: Math.max(sizeBytes, 1), partCount: 1, workers: 1 };
  }
  const partSizeBytes = fitPartSize(sizeBytes, Math.min(tier.partSizeBytes, maxPartBytes));
  return { multipart: true, partSizeBytes, partCount: Math.ceil(sizeBytes / partSizeBytes), workers };
}

/** The smallest part size ≥ `preferredBytes`, in whole MiB, that keeps the file within 10,000 parts. */
export function fitPartSize(sizeBytes: number, preferredBytes: number): number {
  const needed = Math.ceil(sizeBytes / S3_LIMITS.maxParts / MiB) * MiB;
  return Math.min(Math.max(preferredBytes, needed, S3_LIMITS.minPartBytes), S3_LIMITS.maxPartBytes);
}

/**
 * Default memory budget for request bodies in flight, shared by all workers. Parts are streamed from the file,
 * so a body holds at most two 1 MiB slices and this rarely binds; it caps a run with a very high concurrency.
 */
export const DEFAULT_MAX_MEMORY_BYTES = 64 * MiB;

/**
 * Seconds of a paced link (`--max-bandwidth`) one part may take, alone: a part takes its share of the link, and a
 * stop (Ctrl+C, a CI job's SIGTERM) keeps only the parts that end within its grace period of 6 s. The AWS CLI's and
 * the tiers' 64 MiB parts take 22 s each at 3 MB/s, and the twelve of two reels in flight four minutes.
 */
const PACED_PART_SECONDS = 4;

/** Seconds of a paced link the bodies in flight may hold together: enough to keep it busy between answers. */
const PACED_WIRE_SECONDS = 10;

/** The largest part new uploads take on a link paced at `bytesPerSecond` (0: not paced), in whole MiB. */
export function pacedPartBytes(bytesPerSecond: number): number {
  if (bytesPerSecond <= 0) return Infinity;
  return Math.max(MiB, Math.floor((bytesPerSecond * PACED_PART_SECONDS) / MiB) * MiB);
}

/** The bytes of request bodies in flight at once on a link paced at `bytesPerSecond` (0: not paced). */
export function pacedWireBytes(bytesPerSecond: number): number {
  return bytesPerSecond <= 0 ? Infinity : bytesPerSecond * PACED_WIRE_SECONDS;
}
