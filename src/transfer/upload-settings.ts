import { contentTypeFor } from '../remote/content-type.js';
import {
  OWN_METADATA_KEYS,
  type CannedAcl,
  type EncryptionRequest,
  type ObjectSettings,
} from '../remote/object-settings.js';
import type { UploadJournal } from './upload-journal.js';

/**
 * What CreateMultipartUpload fixed for an upload beyond its bytes. Completing it stores the object as the run that
 * started it asked, so a later run that asks for other settings must start the upload again.
 */
export interface UploadSettings {
  contentType: string;
  storageClass?: string;
  encryption?: EncryptionRequest;
  /** The SSE-C key's MD5 (base64), which names the key without revealing it; parts need the same key. */
  customerKeyMd5?: string;
  tags: Record<string, string>;
  /** The configured metadata; ours is left out (the mtime may move with a clock shift and the upload resume). */
  metadata: Record<string, string>;
  acl?: CannedAcl;
}

/** The settings an upload of the object at `key` is started with, from the settings of its folder type. */
export function uploadSettingsFor(
  key: string,
  settings: ObjectSettings | undefined,
  customerKeyMd5: string | undefined,
): UploadSettings {
  const metadata = Object.fromEntries(
    Object.entries(settings?.metadata ?? {}).filter(([name]) => !OWN_METADATA_KEYS.includes(name)),
  );
  return {
    contentType: contentTypeFor(key),
    ...(settings?.storageClass ? { storageClass: settings.storageClass } : {}),
    ...(settings?.encryption ? { encryption: settings.encryption } : {}),
    ...(customerKeyMd5 ? { customerKeyMd5 } : {}),
    tags: settings?.tags ?? {},
    metadata,
    ...(settings?.acl ? { acl: settings.acl } : {}),
  };
}

/**
 * Why an interrupted upload cannot be completed as the run asks now, one phrase each; empty when it can. A journal
 * written before settings were recorded is taken as started with today's.
 */
export function changesSinceStart(
  journal: Pick<UploadJournal, 'settings' | 'sha256'>,
  now: UploadSettings,
  verifyLarge: boolean,
): string[] {
  const changes = journal.settings ? changedSettings(journal.settings, now) : [];
  if (verifyLarge && !journal.sha256) changes.push('no SHA-256 in its metadata, which --verify-large stores');
  return changes;
}

/**
 * How the settings asked for now differ from those an upload was started with, one phrase each (`storage class
 * STANDARD -> COLD`); empty when the upload can be completed as asked now.
 */
export function changedSettings(started: UploadSettings, now: UploadSettings): string[] {
  const changes = [
    change('content type', started.contentType, now.contentType),
    change('storage class', started.storageClass ?? 'bucket default', now.storageClass ?? 'bucket default'),
    change('encryption', describeEncryption(started.encryption), describeEncryption(now.encryption)),
    customerKeyChange(started.customerKeyMd5, now.customerKeyMd5),
    mapChange('tags', started.tags, now.tags),
    mapChange('metadata', started.metadata, now.metadata),
    change('acl', started.acl ?? 'none', now.acl ?? 'none'),
  ];
  return changes.filter((phrase): phrase is string => phrase !== undefined);
}

function change(name: string, before: string, after: string): string | undefined {
  return before === after ? undefined : `${name} ${before} -> ${after}`;
}

function describeEncryption(encryption: EncryptionRequest | undefined): string {
  if (!encryption) return 'bucket default';
  const key = encryption.kmsKeyId ? ` key ${encryption.kmsKeyId}` : '';
  return `${encryption.sse}${key}${encryption.bucketKey ? ' with bucket key' : ''}`;
}

function customerKeyChange(before: string | undefined, after: string | undefined): string | undefined {
  if (before === after) return undefined;
  if (!before) return 'SSE-C key added';
  return after ? 'another SSE-C key' : 'SSE-C key removed';
}

/** The keys whose values differ, named (`tags project, vessel`); values may be long, keys say enough. */
function mapChange(
  name: string,
  before: Record<string, string>,
  after: Record<string, string>,
): string | undefined {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const differing = keys.filter((key) => before[key] !== after[key]);
  return differing.length === 0 ? undefined : `${name} ${differing.join(', ')}`;
}
