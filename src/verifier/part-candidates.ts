import { S3_LIMITS } from '../content/part-layout.js';
import type { ObjectPartHead } from '../remote/remote-object.js';

const MiB = 1024 ** 2;

/**
 * Part sizes tried, in order, when the server does not say how an object was cut: this tool's tiers (8, 64 and
 * 128 MiB), then the defaults of common tools (rclone 5 MiB, s3cmd 15 MiB, 16 MiB).
 */
const COMMON_PART_SIZES_BYTES = [8, 64, 128, 5, 16, 15].map((n) => n * MiB);

/** At most this many part sizes are tried: each costs one read of the whole file. */
const MAX_GUESSES = 3;

/** What HeadObject with PartNumber=1 says: part 1's size, the parts count (when the server reports it), the storage class. */
export type FirstPart = ObjectPartHead;

/**
 * The part sizes an object of `sizeBytes` stored in `partCount` parts may have been cut into. `reported` is true
 * when the server named the size (AWS answers HeadObject with PartNumber=1 with part 1's size and the parts
 * count; Ceph RGW and others ignore PartNumber): only then does a mismatch prove different content. Parts of
 * uneven size give no candidate.
 */
export function partSizeCandidates(
  sizeBytes: number,
  partCount: number,
  firstPart: FirstPart,
): { sizesBytes: number[]; reported: boolean } {
  const fits = (partSizeBytes: number) =>
    partSizeBytes > 0 && Math.ceil(sizeBytes / partSizeBytes) === partCount;
  if (firstPart.partCount === partCount && (partCount === 1 || firstPart.sizeBytes < sizeBytes)) {
    return fits(firstPart.sizeBytes)
      ? { sizesBytes: [firstPart.sizeBytes], reported: true }
      : { sizesBytes: [], reported: false };
  }
  const fitted = Math.ceil(sizeBytes / S3_LIMITS.maxParts / MiB) * MiB;
  const guesses = [...new Set([...COMMON_PART_SIZES_BYTES, fitted])].filter(fits);
  return { sizesBytes: guesses.slice(0, MAX_GUESSES), reported: false };
}
