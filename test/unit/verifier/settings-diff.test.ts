import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashCache } from '../../../src/content/hash-cache.js';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import { checkPlan, isAllProven } from '../../../src/verifier/check-plan.js';
import { diffSettings, type WantedSettings } from '../../../src/verifier/settings-diff.js';
import { FakeBucket, sha256Hex } from './fake-bucket.js';

const ARCHIVE: WantedSettings = {
  settings: {
    storageClass: 'DEEP_ARCHIVE',
    encryption: { sse: 'aws:kms', kmsKeyId: 'k1' },
    tags: { project: 'P1' },
    metadata: {},
  },
  customerKey: false,
};

describe('diffSettings', () => {
  it('names each setting that differs, with what is stored and what is wanted', () => {
    expect(diffSettings(ARCHIVE, { encryption: 'AES256', tags: { project: 'P0' } })).toEqual([
      'storage class STANDARD, wanted DEEP_ARCHIVE',
      'encryption AES256, wanted aws:kms',
      'tag project=P0, wanted P1',
    ]);
    expect(
      diffSettings(ARCHIVE, {
        storageClass: 'DEEP_ARCHIVE',
        encryption: 'aws:kms',
        kmsKeyId: 'arn:aws:kms:r:1:key/k2',
        tags: {},
      }),
    ).toEqual([
      'KMS key arn:aws:kms:r:1:key/k2, wanted k1',
      'tag project missing, wanted P1',
      'archived in DEEP_ARCHIVE: changing it needs a restore first',
    ]);
  });

  it('accepts a matching object, extra tags and a KMS key named by its ARN', () => {
    const stored = {
      storageClass: 'DEEP_ARCHIVE',
      encryption: 'aws:kms' as const,
      kmsKeyId: 'arn:aws:kms:r:1:key/k1',
      tags: { project: 'P1', owner: 'x' },
    };
    expect(diffSettings(ARCHIVE, stored)).toEqual([]);
  });

  it('accepts any key for an alias, by name or by ARN: S3 names the key it stands for, which is not known here', () => {
    const stored = {
      storageClass: 'DEEP_ARCHIVE',
      encryption: 'aws:kms' as const,
      kmsKeyId: 'arn:aws:kms:r:1:key/k9',
    };
    for (const kmsKeyId of ['alias/survey', 'arn:aws:kms:eu-west-1:111122223333:alias/survey']) {
      const wanted = {
        ...ARCHIVE,
        settings: { ...ARCHIVE.settings, encryption: { sse: 'aws:kms' as const, kmsKeyId } },
      };
      expect(diffSettings(wanted, { ...stored, tags: { project: 'P1' } })).toEqual([]);
    }
  });

  it('compares only what is asked for, and SSE-C by the key being configured', () => {
    const nothing: WantedSettings = { settings: { tags: {}, metadata: {} }, customerKey: false };
    expect(diffSettings(nothing, { storageClass: 'GLACIER', encryption: 'none', tags: {} })).toEqual([]);
    const ssec: WantedSettings = { settings: { tags: {}, metadata: {} }, customerKey: true };
    expect(diffSettings(ssec, { encryption: 'AES256', tags: {} })).toEqual([
      'encryption AES256, wanted SSE-C',
    ]);
  });
});

describe('checkPlan with settings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'check-settings-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('reports a proven archived object in the wrong class as settings-differ without reading its bytes', async () => {
    const content = randomBytes(64);
    const path = join(dir, 'a.bin');
    await writeFile(path, content);
    const info = await stat(path);
    const task: UploadTask = {
      group: 'reels',
      path,
      relPath: 'a.bin',
      key: 'P1/reels/a.bin',
      sizeBytes: 64,
      mtimeMs: Math.floor(info.mtimeMs),
    };
    const bucket = new FakeBucket();
    bucket.put(
      task.key,
      content,
      { storageClass: 'GLACIER', metadata: { sha256: sha256Hex(content) }, encryption: 'aws:kms' },
      { tags: { project: 'P1' } },
    );
    const ctx = {
      reader: bucket,
      bucket: 'b',
      hashCache: await HashCache.load(join(dir, 'state')),
      signal: new AbortController().signal,
    };
    const rows = await checkPlan(
      { groups: new Map([['reels', [task]]]), problems: [], leftOut: [] } as never,
      ctx,
      {
        download: true,
        wanted: () => ARCHIVE,
      },
    );
    expect(rows).toEqual([
      {
        key: task.key,
        file: path,
        status: 'settings-differ',
        reason:
          'settings differ: storage class GLACIER, wanted DEEP_ARCHIVE; archived in GLACIER: changing it needs a restore first',
      },
    ]);
    expect(isAllProven(rows)).toBe(false);
    expect(bucket.count('get')).toBe(0);
  });
});
