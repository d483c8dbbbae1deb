const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** S3's multipart rules. */
export const S3_LIMITS = {
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * GiB,
  maxParts: 10_000,
  maxObjectBytes: 5 * 1024 * GiB,
  maxPutObjectBytes: 5 * GiB,
} as const;

/** Files below this size go in one PutObject; at or above it, by multipart. */
export const MULTIPART_THRESHOLD_BYTES = 8 * MiB;

/** Byte range of 1-based part `partNumber` in a file of `sizeBytes` cut into `partSizeBytes` parts. */
export function partRange(
  partNumber: number,
  partSizeBytes: number,
  sizeBytes: number,
): { start: number; length: number } {
  const start = (partNumber - 1) * partSizeBytes;
  return { start, length: Math.max(0, Math.min(partSizeBytes, sizeBytes - start)) };
}
