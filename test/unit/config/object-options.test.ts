import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../../src/config/config-file.js';
import { validateConfig } from '../../../src/config/config-validation.js';
import { settingsForType } from '../../../src/config/object-options.js';
import { resolveRunOptions, type UploadFlags } from '../../../src/config/run-options.js';
import { ConfigError } from '../../../src/errors.js';

const ROOT = path.resolve('/surveys');
const ENV = { HOME: '/home/surveyor', XDG_STATE_HOME: '/home/surveyor/.state' };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'object-options-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function resolve(extra: Partial<UploadFlags> = {}, file: ConfigFile = {}) {
  const flags = { projectKey: 'RMI25320', folder: path.join(ROOT, 'RMI25320'), ...extra } as UploadFlags;
  return resolveRunOptions(flags, { bucket: 'survey', ...file }, ENV, new Date(2025, 0, 1));
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('object settings from config and flags', () => {
  it('tags objects project=<project key> unless the config gives its own tags', () => {
    expect(resolve().objects.base.tags).toEqual({ project: 'RMI25320' });
    expect(resolve({}, { tags: { cost: 1234 } }).objects.base.tags).toEqual({ cost: '1234' });
    expect(resolve({}, { tags: {} }).objects.base.tags).toEqual({});
    expect(resolve({ tag: ['team=field', 'project=X'] }).objects.base.tags).toEqual({
      project: 'X',
      team: 'field',
    });
  });

  it('chooses the storage class per folder type, with a default and the flag over all', () => {
    const file: ConfigFile = { storage_class: { default: 'standard_ia', reels: 'DEEP_ARCHIVE' } };
    const objects = resolve({}, file).objects;
    expect(settingsForType(objects, 'reels').storageClass).toBe('DEEP_ARCHIVE');
    expect(settingsForType(objects, 'Report').storageClass).toBe('STANDARD_IA');
    const flagged = resolve({ storageClass: 'glacier' }, file).objects;
    expect(settingsForType(flagged, 'reels').storageClass).toBe('GLACIER');
    expect(settingsForType(resolve().objects, 'reels').storageClass).toBeUndefined();
  });

  it('takes ACL, expected owner, metadata and the S3 Bucket Key', () => {
    const objects = resolve(
      { acl: 'bucket-owner-full-control', metadata: ['vessel=Ocean One'] },
      { expected_bucket_owner: 123456789012, sse: 'aws:kms', sse_bucket_key: true, metadata: { crew: 'B' } },
    ).objects;
    expect(objects.base.acl).toBe('bucket-owner-full-control');
    expect(objects.requests.expectedBucketOwner).toBe('123456789012');
    expect(objects.base.metadata).toEqual({ crew: 'B', vessel: 'Ocean One' });
    expect(objects.base.encryption).toEqual({ sse: 'aws:kms', kmsKeyId: undefined, bucketKey: true });
  });

  it('reads an SSE-C key file as 32 raw bytes or as base64, and never shows the key', async () => {
    const key = randomBytes(32);
    const raw = path.join(dir, 'raw.key');
    const b64 = path.join(dir, 'b64.key');
    // Notepad's "UTF-8 with BOM", and what PowerShell 5.1's `>` and Out-File write: UTF-16 with a byte-order mark
    const bom8 = path.join(dir, 'bom8.key');
    const utf16 = path.join(dir, 'utf16.key');
    await writeFile(raw, key);
    await writeFile(b64, `${key.toString('base64')}\r\n`);
    await writeFile(bom8, `\uFEFF${key.toString('base64')}\r\n`);
    await writeFile(utf16, Buffer.from(`\uFEFF${key.toString('base64')}\r\n`, 'utf16le'));
    const md5 = createHash('md5').update(key).digest('base64');
    for (const file of [raw, b64, bom8, utf16]) {
      const requests = resolve({}, { sse_customer_key_file: file }).objects.requests;
      expect(requests.customerKey).toEqual({ keyBase64: key.toString('base64'), keyMd5Base64: md5 });
    }
    const short = path.join(dir, 'short.key');
    await writeFile(short, 'not-a-key-at-all');
    const message = errorOf(() => resolve({}, { sse_customer_key_file: short }));
    expect(message).toMatch(
      /^sse_customer_key_file: .*short\.key' holds no SSE-C key; it must be 32 raw bytes/,
    );
    expect(message).not.toContain('not-a-key-at-all');
  });

  it('refuses bad flag values with one line naming the flag', () => {
    expect(errorOf(() => resolve({ acl: 'everyone' }))).toMatch(
      /^--acl: 'everyone' is not a canned ACL; use one of private/,
    );
    expect(errorOf(() => resolve({ storageClass: 'cold storage' }))).toMatch(/^--storage-class: /);
    expect(errorOf(() => resolve({ expectedBucketOwner: '12345' }))).toMatch(
      /^--expected-bucket-owner: '12345' is not an AWS account id/,
    );
    expect(errorOf(() => resolve({ tag: ['project'] }))).toMatch(/^--tag: 'project' is not KEY=VALUE/);
    expect(errorOf(() => resolve({ metadata: ['sha256=abc'] }))).toMatch(/is set by upload-to-s3 itself/);
    expect(errorOf(() => resolve({ sse: 'AES256' }, { sse_bucket_key: true }))).toMatch(
      /^sse_bucket_key: an S3 Bucket Key needs SSE-KMS/,
    );
  });
});

describe('config validation of the object settings', () => {
  it('reports every problem of the file at once, one line each naming its key', () => {
    const problems = validateConfig({
      storage_class: { default: 'STANDARD', reelz: 'DEEP_ARCHIVE' },
      acl: 'world',
      expected_bucket_owner: 'acme',
      tags: { 'aws:owner': 'x' },
      metadata: { 'Mtime-Ms': '1' },
      sse: 'AES256',
      sse_bucket_key: true,
    });
    expect(problems).toEqual([
      expect.stringMatching(/^'storage_class' names 'reelz', which is no folder type; use default or one of/),
      expect.stringMatching(/^acl: 'world' is not a canned ACL/),
      expect.stringMatching(/^expected_bucket_owner: 'acme' is not an AWS account id/),
      expect.stringMatching(/^tags: tag key 'aws:owner' is not allowed/),
      expect.stringMatching(/^metadata: metadata name 'Mtime-Ms' is not usable/),
      'sse_bucket_key: an S3 Bucket Key needs SSE-KMS; also set sse: aws:kms',
    ]);
  });

  it('accepts a storage class map over the folder types the file defines', () => {
    const document = {
      folder_types: { sonar: ['.xtf'] },
      storage_class: { Sonar: 'GLACIER_IR' },
      tags: { n: 1 },
    };
    expect(validateConfig(document)).toEqual([]);
  });

  it('refuses SSE-C together with another encryption', () => {
    expect(validateConfig({ sse: 'aws:kms', sse_customer_key_file: '/k' })).toEqual([
      'sse_customer_key_file with sse: an object has one encryption; remove sse to use SSE-C, or the key file',
    ]);
  });

  it('refuses an SSE-C key in the keyring together with another encryption or a key file', () => {
    expect(validateConfig({ sse: 'AES256', sse_customer_key_in_keyring: true })).toEqual([
      'sse_customer_key_in_keyring with sse: an object has one encryption; remove sse to use SSE-C, or the keyring key',
    ]);
    expect(validateConfig({ sse_customer_key_file: '/k', sse_customer_key_in_keyring: true })).toEqual([
      'sse_customer_key_in_keyring with sse_customer_key_file: one SSE-C key; keep the keyring or the file',
    ]);
    expect(validateConfig({ sse_customer_key_in_keyring: 'yes' })).toHaveLength(1);
  });
});
