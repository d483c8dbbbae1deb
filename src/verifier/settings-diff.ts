import { RESTORE_FIRST_CLASSES, type ObjectSettings } from '../remote/object-settings.js';
import type { ObjectEncryption } from '../remote/remote-object.js';

/** What the bucket says an object is stored with: HeadObject's class and encryption, and its tags. */
export interface StoredSettings {
  /** Absent: STANDARD. */
  storageClass?: string | undefined;
  encryption?: ObjectEncryption | undefined;
  kmsKeyId?: string | undefined;
  /** Absent when the server keeps no object tags (OpenStack Swift's s3api): nothing to compare. */
  tags?: Record<string, string> | undefined;
}

/** The settings an object is wanted with: the configured ones, and whether SSE-C is asked for. */
export interface WantedSettings {
  settings: ObjectSettings;
  customerKey: boolean;
}

/**
 * The ways a stored object differs from the wanted settings, one phrase each ("storage class STANDARD, wanted
 * DEEP_ARCHIVE"); empty when it matches. Only what was asked for is compared: no storage class set accepts any,
 * extra tags on the object are fine. A KMS key is compared when the server names one (an ARN ends with the key id;
 * an alias cannot be resolved here and is accepted).
 */
export function diffSettings(wanted: WantedSettings, stored: StoredSettings): string[] {
  const byCopy = [
    diffStorageClass(wanted.settings.storageClass, stored.storageClass ?? 'STANDARD'),
    diffEncryption(wanted, stored),
  ].filter((difference): difference is string => difference !== undefined);
  const archived = byCopy.length > 0 && RESTORE_FIRST_CLASSES.includes(stored.storageClass ?? '');
  return [
    ...byCopy,
    ...diffTags(wanted.settings.tags, stored.tags),
    // said where the difference is shown (check, the dry run), since --fix-settings will not copy it
    ...(archived ? [`archived in ${stored.storageClass}: changing it needs a restore first`] : []),
  ];
}

/** How a stored class differs from the wanted one (`storage class STANDARD, wanted COLD`); undefined when it does not. */
export function diffStorageClass(wanted: string | undefined, stored: string): string | undefined {
  return wanted === undefined || wanted === stored ? undefined : `storage class ${stored}, wanted ${wanted}`;
}

/** An alias, by name (`alias/survey`) or by ARN (`arn:aws:kms:REGION:ACCOUNT:alias/survey`): S3 names the key. */
function isAlias(keyId: string): boolean {
  return keyId.startsWith('alias/') || /^arn:aws[a-z-]*:kms:[^:]*:\d*:alias\//.test(keyId);
}

function diffEncryption(wanted: WantedSettings, stored: StoredSettings): string | undefined {
  const want = wanted.customerKey ? 'SSE-C' : wanted.settings.encryption?.sse;
  const have = stored.encryption ?? 'none';
  if (want === undefined) return undefined;
  if (have !== want) return `encryption ${have}, wanted ${want}`;
  const keyId = wanted.settings.encryption?.kmsKeyId;
  if (want !== 'aws:kms' || !keyId || !stored.kmsKeyId || isAlias(keyId)) return undefined;
  const same = stored.kmsKeyId === keyId || stored.kmsKeyId.endsWith(`/${keyId}`);
  return same ? undefined : `KMS key ${stored.kmsKeyId}, wanted ${keyId}`;
}

function diffTags(wanted: Record<string, string>, stored: Record<string, string> | undefined): string[] {
  if (stored === undefined) return [];
  return Object.entries(wanted)
    .filter(([key, value]) => stored[key] !== value)
    .map(([key, value]) =>
      stored[key] === undefined
        ? `tag ${key} missing, wanted ${value}`
        : `tag ${key}=${stored[key]}, wanted ${value}`,
    );
}

/** The check row's reason for an object whose settings differ. */
export function describeSettingsDiff(differences: readonly string[]): string {
  return `settings differ: ${differences.join('; ')}`;
}
