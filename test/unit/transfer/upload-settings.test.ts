/** Which settings an interrupted multipart upload was started with, and when a run must start it again. */
import { describe, expect, it } from 'vitest';
import type { ObjectSettings } from '../../../src/remote/object-settings.js';
import {
  changedSettings,
  changesSinceStart,
  uploadSettingsFor,
} from '../../../src/transfer/upload-settings.js';

const KEY = 'RMI25320/reels/R001/R001.mp4';
const PLAIN: ObjectSettings = { tags: {}, metadata: {} };

describe('uploadSettingsFor', () => {
  it('records what CreateMultipartUpload fixes, without our own metadata', () => {
    const settings: ObjectSettings = {
      storageClass: 'DEEP_ARCHIVE',
      encryption: { sse: 'aws:kms', kmsKeyId: 'key-1', bucketKey: true },
      tags: { project: 'RMI25320' },
      metadata: { vessel: 'Ocean One', 'mtime-ms': '1', sha256: 'ab' },
      acl: 'bucket-owner-full-control',
    };
    expect(uploadSettingsFor(KEY, settings, 'md5-of-key')).toEqual({
      contentType: 'video/mp4',
      storageClass: 'DEEP_ARCHIVE',
      encryption: { sse: 'aws:kms', kmsKeyId: 'key-1', bucketKey: true },
      customerKeyMd5: 'md5-of-key',
      tags: { project: 'RMI25320' },
      metadata: { vessel: 'Ocean One' },
      acl: 'bucket-owner-full-control',
    });
    expect(uploadSettingsFor(KEY, undefined, undefined)).toEqual({
      contentType: 'video/mp4',
      tags: {},
      metadata: {},
    });
  });
});

describe('changedSettings', () => {
  const started = uploadSettingsFor(KEY, PLAIN, undefined);
  const now = (settings: Partial<ObjectSettings>, keyMd5?: string) =>
    uploadSettingsFor(KEY, { ...PLAIN, ...settings }, keyMd5);

  it('finds nothing when the same settings are asked, whatever order maps are written in', () => {
    const a = now({ tags: { a: '1', b: '2' }, metadata: { x: 'y' } });
    const b = now({ tags: { b: '2', a: '1' }, metadata: { x: 'y' } });
    expect(changedSettings(a, b)).toEqual([]);
    expect(changedSettings(started, now({}))).toEqual([]);
  });

  it('names each setting that differs', () => {
    expect(changedSettings(started, now({ storageClass: 'COLD' }))).toEqual([
      'storage class bucket default -> COLD',
    ]);
    expect(changedSettings(started, now({ encryption: { sse: 'aws:kms', kmsKeyId: 'k' } }))).toEqual([
      'encryption bucket default -> aws:kms key k',
    ]);
    expect(changedSettings(started, now({}, 'key-a'))).toEqual(['SSE-C key added']);
    expect(changedSettings(now({}, 'key-a'), now({}, 'key-b'))).toEqual(['another SSE-C key']);
    expect(changedSettings(now({}, 'key-a'), started)).toEqual(['SSE-C key removed']);
    expect(
      changedSettings(
        now({ tags: { team: 'a', keep: 'k' } }),
        now({ tags: { team: 'b', keep: 'k', extra: 'e' } }),
      ),
    ).toEqual(['tags extra, team']);
    expect(changedSettings(started, now({ metadata: { vessel: 'B' }, acl: 'public-read' }))).toEqual([
      'metadata vessel',
      'acl none -> public-read',
    ]);
  });
});

describe('changesSinceStart', () => {
  const settings = uploadSettingsFor(KEY, PLAIN, undefined);

  it('takes a journal written before settings were recorded as started with those asked now', () => {
    expect(
      changesSinceStart({}, uploadSettingsFor(KEY, { ...PLAIN, acl: 'private' }, undefined), false),
    ).toEqual([]);
  });

  it('asks for a new upload when --verify-large wants a SHA-256 the upload was started without', () => {
    expect(changesSinceStart({ settings }, settings, true)).toEqual([
      'no SHA-256 in its metadata, which --verify-large stores',
    ]);
    expect(changesSinceStart({ settings, sha256: 'ab' }, settings, true)).toEqual([]);
    expect(changesSinceStart({ settings, sha256: 'ab' }, settings, false)).toEqual([]);
  });
});
