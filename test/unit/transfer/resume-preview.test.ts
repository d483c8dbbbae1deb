import { appendFile, mkdtemp, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import { fileIdOf } from '../../../src/content/file-identity.js';
import { previewResumes } from '../../../src/transfer/resume-preview.js';
import type { DecidedTask } from '../../../src/transfer/upload-all.js';
import { JournalStore, type UploadJournal } from '../../../src/transfer/upload-journal.js';
import { uploadSettingsFor, type UploadSettings } from '../../../src/transfer/upload-settings.js';

const MiB = 1024 ** 2;
const BUCKET = 'survey-bucket';
const KEY = 'RMI25320/reels/R001/R001.mp4';

let dir: string;
let journals: JournalStore;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'resume-preview-'));
  journals = new JournalStore(path.join(dir, 'state'), 'http://127.0.0.1:7480');
  file = path.join(dir, 'R001.mp4');
  await writeFile(file, '');
  await truncate(file, 20 * MiB);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function planned(): Promise<UploadTask> {
  const stats = await stat(file);
  return {
    group: 'reels',
    path: file,
    relPath: 'R001/R001.mp4',
    key: KEY,
    sizeBytes: stats.size,
    mtimeMs: Math.floor(stats.mtimeMs),
  };
}

const STANDARD = uploadSettingsFor(KEY, { tags: {}, metadata: {} }, undefined);
const asked = (settings = STANDARD, verifyLarge = false, bucket = BUCKET) => ({
  bucket,
  settingsOf: () => settings,
  verifyLarge,
});

async function saveJournal(
  task: UploadTask,
  parts: number,
  started?: { settings?: UploadSettings; sha256?: string },
): Promise<void> {
  const journal: UploadJournal = {
    version: 2,
    endpoint: journals.endpoint,
    bucket: BUCKET,
    key: KEY,
    path: file,
    sizeBytes: task.sizeBytes,
    mtimeMs: task.mtimeMs,
    fileId: fileIdOf(await stat(file, { bigint: true })),
    uploadId: 'upload-1',
    partSizeBytes: 8 * MiB,
    integrity: 'md5',
    ...started,
    createdAt: '2026-12-05T10:00:00.000Z',
    parts: Array.from({ length: parts }, (_, i) => ({
      partNumber: i + 1,
      etag: `e${i}`,
      sizeBytes: 8 * MiB,
    })),
  };
  await journals.save(journal);
}

function decide(task: UploadTask, action: 'upload' | 'skip' = 'upload'): DecidedTask[] {
  return [{ task, decision: { action, reason: 'new: not in the bucket' }, group: 'reels' }];
}

describe('previewResumes', () => {
  it('reports the parts the journal of the same file records, and the bytes they hold', async () => {
    const task = await planned();
    await saveJournal(task, 2);
    const previews = await previewResumes(decide(task), journals, asked());
    expect(previews.get(task)).toEqual({ partsSent: 2, partsTotal: 3, bytesSent: 16 * MiB, touched: false });
  });

  it('names a file touched since the journal, whose stored parts the run keeps if they still hold its bytes', async () => {
    const task = await planned();
    await saveJournal(task, 2);
    await utimes(file, new Date(task.mtimeMs + 5_000), new Date(task.mtimeMs + 5_000));
    const touched = await planned();
    expect((await previewResumes(decide(touched), journals, asked())).get(touched)).toMatchObject({
      partsSent: 2,
      touched: true,
    });
  });

  it('reports nothing for a file whose size changed since the journal, which the run would start again', async () => {
    const task = await planned();
    await saveJournal(task, 2);
    await appendFile(file, 'one more line');
    const changed = await planned();
    expect(await previewResumes(decide(changed), journals, asked())).toEqual(new Map());
  });

  it('reports nothing for a file to skip, a journal with no part sent, or a file without a journal', async () => {
    const task = await planned();
    expect(await previewResumes(decide(task), journals, asked())).toEqual(new Map());
    await saveJournal(task, 0);
    expect(await previewResumes(decide(task), journals, asked())).toEqual(new Map());
    await saveJournal(task, 1);
    expect(await previewResumes(decide(task, 'skip'), journals, asked())).toEqual(new Map());
    expect(await previewResumes(decide(task), journals, asked(STANDARD, false, 'another-bucket'))).toEqual(
      new Map(),
    );
  });

  it('reports nothing for an upload started with other settings, or without the SHA-256 --verify-large stores', async () => {
    const task = await planned();
    await saveJournal(task, 2, { settings: STANDARD });
    expect((await previewResumes(decide(task), journals, asked())).size).toBe(1);
    const cold = { ...STANDARD, storageClass: 'COLD' };
    expect(await previewResumes(decide(task), journals, asked(cold))).toEqual(new Map());
    expect(await previewResumes(decide(task), journals, asked(STANDARD, true))).toEqual(new Map());
    await saveJournal(task, 2, { settings: STANDARD, sha256: 'ab'.repeat(32) });
    expect((await previewResumes(decide(task), journals, asked(STANDARD, true))).size).toBe(1);
  });
});
