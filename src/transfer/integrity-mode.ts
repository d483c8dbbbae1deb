import { isAmazonS3 } from '../remote/endpoint-id.js';
import type { DigestChoice } from './signed-body.js';

/**
 * How a run proves that the server stored our bytes. `checksum`: each body's SHA-256 (signed anyway) also goes
 * as `x-amz-checksum-sha256`, which Amazon S3 verifies, stores and answers. `md5`: each body's MD5 goes as
 * Content-MD5, which every S3-compatible server verifies, and is compared with MD5-based ETags.
 */
export type IntegrityMode = 'checksum' | 'md5';

/** The `checksum_algorithm` setting: `auto` picks by target; CRC32, CRC64NVME and others may come later. */
export type ChecksumAlgorithmSetting = 'auto' | 'SHA256' | 'md5';

export const CHECKSUM_ALGORITHM_SETTINGS: readonly ChecksumAlgorithmSetting[] = ['auto', 'SHA256', 'md5'];

/**
 * The integrity mode for a target: `checksum` on Amazon S3 (no custom endpoint, or an amazonaws.com one) or when
 * the setting asks for SHA256; `md5` for other endpoints, whose servers may ignore flexible checksums entirely
 * (Ceph RGW accepts a wrong one without a word).
 */
export function chooseIntegrityMode(
  setting: ChecksumAlgorithmSetting,
  endpoint: string | undefined,
): IntegrityMode {
  if (setting !== 'auto') return setting === 'SHA256' ? 'checksum' : 'md5';
  return isAmazonS3(endpoint) ? 'checksum' : 'md5';
}

/** The one digest each part of a multipart upload needs in `mode`: one hash pass per byte, not two. */
export function partDigestChoice(mode: IntegrityMode): DigestChoice {
  return mode === 'checksum' ? { sha256: true, md5: false } : { sha256: false, md5: true };
}
