import { CRC_NAMES, type CrcName } from '../content/crc.js';
import { isAmazonS3 } from '../remote/endpoint-id.js';
import type { DigestChoice } from './signed-body.js';

/**
 * How a run proves that the server stored our bytes. `checksum`: each body's SHA-256 (signed anyway) also goes
 * as `x-amz-checksum-sha256`, which Amazon S3 verifies, stores and answers. `md5`: each body's MD5 goes as
 * Content-MD5, which every S3-compatible server verifies, and is compared with MD5-based ETags.
 */
export type IntegrityMode = 'checksum' | 'md5';

/**
 * The `checksum_algorithm` setting: `auto` picks by target; SHA256 or a CRC is a checksum S3 verifies and stores
 * (the CRCs as full-object checksums, also for multipart objects); md5 is Content-MD5 only.
 */
export type ChecksumAlgorithmSetting = 'auto' | 'SHA256' | CrcName | 'md5';

export const CHECKSUM_ALGORITHM_SETTINGS: readonly ChecksumAlgorithmSetting[] = [
  'auto',
  'SHA256',
  ...CRC_NAMES,
  'md5',
];

/**
 * The integrity mode for a target: `checksum` on Amazon S3 (no custom endpoint, or an amazonaws.com one) or when
 * the setting asks for SHA256; `md5` for other endpoints, whose servers may ignore flexible checksums entirely
 * (Ceph RGW accepts a wrong one without a word).
 */
export function chooseIntegrityMode(
  setting: ChecksumAlgorithmSetting,
  endpoint: string | undefined,
): IntegrityMode {
  if (setting !== 'auto') return setting === 'md5' ? 'md5' : 'checksum';
  return isAmazonS3(endpoint) ? 'checksum' : 'md5';
}

/**
 * The warning of a run in `checksum` mode whose server answered an upload without the checksum `setting` asked it
 * to keep (Ceph RGW 16 and Swift's s3api accept the headers and drop them): what proved the object instead, and what
 * `check` then lacks.
 */
export function describeChecksumNotKept(setting: ChecksumAlgorithmSetting): string {
  const asked = setting === 'auto' ? 'SHA256' : setting;
  return (
    `the server keeps no ${asked} checksums (its answers carry none): objects are proven by the server's check ` +
    'of each body as it was sent and by their ETags, and check cannot compare checksums later; ' +
    'checksum_algorithm / --checksum-algorithm md5 suits this endpoint'
  );
}

/** The CRC a setting asks S3 to store, when it asks for one (SHA-256 is computed for the signature anyway). */
export function crcOfSetting(setting: ChecksumAlgorithmSetting): CrcName | undefined {
  return CRC_NAMES.find((name) => name === setting);
}

/**
 * The one digest each part of a multipart upload needs in `mode`: one hash pass per byte, not two; plus the CRC
 * S3 stores when the upload asked for one.
 */
export function partDigestChoice(mode: IntegrityMode, crc?: CrcName): DigestChoice {
  if (mode === 'md5') return { sha256: false, md5: true };
  return { sha256: true, md5: false, ...(crc ? { crc } : {}) };
}
