import os from 'node:os';
import { ConfigError, quoteValue } from '../errors.js';

import { hasControlCharacter } from './control-characters.js';

export { parseBandwidth } from './parse-rate.js';

/**
 * Parses a concurrency setting: a positive integer, or `cpu*N` / `cpu`. The result is clamped to 1..256.
 * @throws ConfigError naming `source` when the value is not one of those forms.
 */
export function parseConcurrency(
  value: unknown,
  source: string,
  cpuCount = os.availableParallelism(),
): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return Math.min(value, 256);
  const text = textOf(value).trim().toLowerCase().replace(/\s+/g, '');
  if (/^\d+$/.test(text) && Number(text) > 0) return Math.min(Number(text), 256);
  const match = /^cpu(?:\*(\d+(?:\.\d+)?))?$/.exec(text);
  if (match) return Math.max(1, Math.min(Math.round(cpuCount * Number(match[1] ?? 1)), 256));
  throw new ConfigError(
    `${source}: ${quoteValue(value)} is not a concurrency; use a whole number like 8 or 'cpu*4'`,
  );
}

const TIMESTAMP_PATTERN = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})$/;

/**
 * Checks a `--custom-timestamp` value: `YYYYMMDD_HHMM` naming a real calendar minute.
 * @throws ConfigError when the format or the date is wrong.
 */
export function parseCustomTimestamp(value: string, source = '--custom-timestamp'): string {
  const match = TIMESTAMP_PATTERN.exec(value.trim());
  if (!match)
    throw new ConfigError(
      `${source}: ${quoteValue(value)} is not YYYYMMDD_HHMM; use for example 20250131_1430`,
    );
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute));
  const valid =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60;
  if (!valid)
    throw new ConfigError(`${source}: ${quoteValue(value)} is not a real date and time; use YYYYMMDD_HHMM`);
  return value.trim();
}

/** Formats `date` as the `YYYYMMDD_HHMM` timestamp used in keys, in local time. */
export function formatTimestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_${pad(date.getHours())}${pad(date.getMinutes())}`;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
};

/**
 * Parses a byte size such as `256MiB`, `64MB`, `1.5G` or `1048576`.
 * @throws ConfigError naming `source` when the value is not a positive size.
 */
export function parseByteSize(value: unknown, source: string): number {
  const text = textOf(value).trim().toLowerCase().replace(/\s+/g, '');
  const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(text);
  const unit = match ? SIZE_UNITS[match[2] ?? ''] : undefined;
  const bytes = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : NaN;
  if (!(bytes > 0 && Number.isFinite(bytes))) {
    throw new ConfigError(`${source}: ${quoteValue(value)} is not a size; use for example 256MiB or 64MB`);
  }
  return bytes;
}

/**
 * Parses a duration in seconds: a plain number, or with a unit (`90s`, `15m`, `2h`, `7d`).
 * @throws ConfigError naming `source` when it is negative or malformed.
 */
export function parseSeconds(value: unknown, source: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(textOf(value).trim().toLowerCase());
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match?.[2] ?? 's'] ?? 1;
  const seconds = match ? Number(match[1]) * unit : NaN;
  if (!Number.isFinite(seconds))
    throw new ConfigError(
      `${source}: ${quoteValue(value)} is not a duration; use seconds like 300, or 5m, 2h, 1d`,
    );
  return seconds;
}

/** Smallest memory budget for bodies in flight: one 8 MiB part plus headroom for small files. */
const MIN_MEMORY_BYTES = 16 * 1024 * 1024;

/**
 * Parses the memory budget for request bodies in flight: a size of at least 16MiB.
 * @throws ConfigError naming `source` when it is no size or too small.
 */
export function parseMemoryBudget(value: unknown, source: string): number {
  const bytes = parseByteSize(value, source);
  if (bytes < MIN_MEMORY_BYTES)
    throw new ConfigError(`${source}: ${quoteValue(value)} is too small; allow at least 16MiB`);
  return bytes;
}

/** Node timers overflow past 2^31-1 ms (they then fire after 1 ms); a day is more than any use needs. */
const MAX_INTERVAL_SEC = 86_400;

/**
 * Parses a timer's period in seconds, from `minimumSec` to a day: a socket timeout of 0 would never fire,
 * and a status interval of 0 would rewrite the status file in a busy loop.
 * @throws ConfigError naming `source` when it is no duration or out of range.
 */
export function parseInterval(value: unknown, source: string, minimumSec: number): number {
  const seconds = parseSeconds(value, source);
  if (seconds < minimumSec || seconds > MAX_INTERVAL_SEC) {
    throw new ConfigError(
      `${source}: ${quoteValue(value)} is out of range; use ${minimumSec} to ${MAX_INTERVAL_SEC} seconds`,
    );
  }
  return seconds;
}

/**
 * Checks a region: one host-name label (`us-east-1`, `default`), since the SDK builds host names from it.
 * @throws ConfigError naming `source`.
 */
export function parseRegion(value: string, source: string): string {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value)) {
    throw new ConfigError(
      `${source}: ${quoteValue(value)} is not a region; use a name like us-east-1 (letters, digits and '-')`,
    );
  }
  return value;
}

/** S3's rules for a bucket name: 3-63 lower-case letters, digits, '.' or '-', a letter or digit at each end. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An S3 access point's ARN, of one region or on an Outpost: the SDK sends to the access point's own host. */
const ACCESS_POINT_ARN =
  /^arn:(?<partition>aws[a-z-]*):s3(?<outposts>-outposts)?:(?<region>[a-z0-9-]+):(?<account>\d{12}):(outpost\/[a-z0-9-]+\/)?accesspoint[/:](?<name>[a-z0-9-]{3,50})$/;

/** The parts of an access point's ARN that address it. */
export interface AccessPoint {
  partition: string;
  region: string;
  account: string;
  name: string;
  onOutpost: boolean;
}

/** A Multi-Region Access Point's ARN, which names no region: its requests are signed with SigV4A. */
const MULTI_REGION_ARN = /^arn:aws[a-z-]*:s3::\d{12}:accesspoint[/:]/;

/**
 * Checks a bucket: a name by S3's rules (3-63 lower-case letters, digits, '.' or '-'), or an access point's ARN, as
 * the AWS CLI takes them. The upper-case names of buckets us-east-1 made before 2018 are refused with the rest:
 * a typo is far likelier.
 * @throws ConfigError naming `source` and the bucket.
 */
export function parseBucketName(bucket: string, source = 'bucket'): string {
  if (BUCKET_NAME.test(bucket) || ACCESS_POINT_ARN.test(bucket)) return bucket;
  if (MULTI_REGION_ARN.test(bucket)) {
    throw new ConfigError(
      `${source} ${quoteValue(bucket)}: a Multi-Region Access Point needs SigV4A signatures, which upload-to-s3 does not make; use the access point of one region (arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME) or the bucket`,
    );
  }
  throw new ConfigError(`${source} ${quoteValue(bucket)}: ${bucketNameFix(bucket)}`);
}

/** The access point a bucket setting names by its ARN, or undefined for a bucket name. */
export function accessPointOf(bucket: string): AccessPoint | undefined {
  const parts = ACCESS_POINT_ARN.exec(bucket)?.groups;
  if (!parts) return undefined;
  return {
    partition: parts.partition!,
    region: parts.region!,
    account: parts.account!,
    name: parts.name!,
    onOutpost: parts.outposts !== undefined,
  };
}

/** A bucket as one folder name of the state folder: an access point's ARN holds ':' and '/', which Windows refuses. */
export function bucketFolderName(bucket: string): string {
  return bucket.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * What to write instead of a bucket that is not a name: an `s3://bucket/prefix` URL, as the AWS CLI takes, or a
 * name with the key prefix after a slash, is taken apart into the two settings.
 */
function bucketNameFix(bucket: string): string {
  const [name = '', ...rest] = bucket
    .trim()
    .replace(/^s3:\/\//i, '')
    .split('/');
  const prefix = rest.filter(Boolean).join('/');
  const isUrl = /^\s*s3:\/\//i.test(bucket);
  if ((isUrl || rest.length > 0) && BUCKET_NAME.test(name)) {
    const rule = isUrl ? 'a bucket is its name alone, not an s3:// URL' : 'a bucket is its name alone';
    return prefix
      ? `${rule}; write bucket: ${name} and prefix: ${prefix}/ in the config`
      : `${rule}; write ${name}`;
  }
  return "not a valid S3 bucket name; use 3-63 lower-case letters, digits, '.' or '-', or an access point's ARN";
}

/**
 * Checks an endpoint: an http(s) URL, returned without trailing slashes.
 * @throws ConfigError naming `source` and the endpoint.
 */
export function parseEndpoint(endpoint: string, source = 'endpoint'): string {
  try {
    const url = new URL(endpoint);
    // the URL parser drops tabs and newlines silently: such an endpoint was not meant as written
    if (hasControlCharacter(endpoint)) throw new TypeError('control character');
    if (url.protocol === 'http:' || url.protocol === 'https:') return endpoint.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError(
    `${source} ${quoteValue(endpoint)}: not an http(s) URL; use for example https://s3.example.com or http://127.0.0.1:7480`,
  );
}

/** The text of any value, even one whose toString throws (a YAML map with a `toString` key). */
function textOf(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
