import { OWN_METADATA_KEYS } from './object-settings.js';
import type { ObjectTarget } from './write-request.js';

/**
 * Amazon S3 names the header it refused in an InvalidArgument answer (`<ArgumentName>x-amz-acl</ArgumentName>`):
 * the hint then names the one setting behind that header instead of every setting a request carries. The value
 * S3 echoes beside it (`ArgumentValue`) is never shown: it may be a key.
 */
const SETTING_OF_HEADER: ReadonlyArray<[RegExp, string]> = [
  [/^x-amz-storage-class$/, 'storage_class / --storage-class (per folder type when it is a map)'],
  [/^x-amz-(acl|grant-.*)$/, 'acl / --acl'],
  [/^x-amz-server-side-encryption-customer-/, 'sse_customer_key_file / sse_customer_key_in_keyring'],
  [/^x-amz-server-side-encryption-(aws-kms-key-id|context)$/, 'sse_kms_key_id / --sse-kms-key-id'],
  [/^x-amz-server-side-encryption(-bucket-key-enabled)?$/, 'sse / --sse'],
  [/^x-amz-tagging$/, 'tags / --tag'],
  [/^x-amz-meta-/, 'metadata / --metadata'],
  [/^x-amz-expected-bucket-owner$/, 'expected_bucket_owner / --expected-bucket-owner'],
  [/^x-amz-(checksum-.*|sdk-checksum-algorithm)$/, 'checksum_algorithm / --checksum-algorithm'],
];

/**
 * The hint for an answer that names the header it refused, or undefined when it names none we set.
 * @param error an SDK service exception or our lean request's error, either of which carries `ArgumentName`
 */
export function refusedArgumentHint(error: unknown): string | undefined {
  const name = (error as { ArgumentName?: unknown } | undefined)?.ArgumentName;
  if (typeof name !== 'string') return undefined;
  const header = name.trim().toLowerCase();
  const setting = SETTING_OF_HEADER.find(([pattern]) => pattern.test(header))?.[1];
  return setting && `the server refused the ${header} header; check ${setting}`;
}

const REQUEST_SETTINGS = Symbol('settings of the refused request');

/**
 * Marks the error of a write with the configured settings its request carried, so that a refusal naming no header
 * (Ceph RGW answers a storage class it lacks with a bare InvalidArgument) names those settings only. Returns it.
 */
export function markRequestSettings(error: unknown, target: ObjectTarget, customerKey: boolean): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const settings: string[] = [];
  if (target.storageClass)
    settings.push('storage_class / --storage-class (per folder type when it is a map)');
  if (target.encryption) settings.push('sse / --sse');
  if (target.encryption?.kmsKeyId) settings.push('sse_kms_key_id / --sse-kms-key-id');
  if (customerKey) settings.push('sse_customer_key_file / sse_customer_key_in_keyring');
  if (target.acl) settings.push('acl / --acl');
  if (Object.keys(target.tags ?? {}).length > 0) settings.push('tags / --tag');
  if (Object.keys(target.metadata).some((name) => !OWN_METADATA_KEYS.includes(name)))
    settings.push('metadata / --metadata');
  Object.defineProperty(error, REQUEST_SETTINGS, { value: settings, configurable: true });
  return error;
}

/** The hint for an InvalidArgument naming no header, from the settings its request carried; undefined for none. */
export function refusedSettingHint(error: unknown): string | undefined {
  const settings = (error as { [REQUEST_SETTINGS]?: string[] } | undefined)?.[REQUEST_SETTINGS];
  if (!settings || settings.length === 0) return undefined;
  const list =
    settings.length === 1 ? settings[0] : `${settings.slice(0, -1).join(', ')} and ${settings.at(-1)}`;
  return settings.length === 1
    ? `the server refused the one setting the request carried; check ${list}`
    : `the server refused a setting of the request; check ${list}`;
}
