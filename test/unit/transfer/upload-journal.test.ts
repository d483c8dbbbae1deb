import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalStore, type UploadJournal } from '../../../src/transfer/upload-journal.js';

const ENDPOINT = 'http://127.0.0.1:7480';
const MiB = 1024 ** 2;

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'upload-journal-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function journal(overrides: Partial<UploadJournal> = {}): UploadJournal {
  return {
    version: 2,
    endpoint: ENDPOINT,
    bucket: 'survey-bucket',
    key: 'RMI25320/reels/R001/R001.mp4',
    path: '/data/RMI25320/reels/R001/R001.mp4',
    sizeBytes: 200 * MiB,
    mtimeMs: 1_764_000_000_000,
    uploadId: 'upload-1',
    partSizeBytes: 8 * MiB,
    integrity: 'md5',
    createdAt: '2026-11-25T22:00:00.000Z',
    parts: [],
    ...overrides,
  };
}

function part(partNumber: number) {
  return { partNumber, etag: `etag-${partNumber}`, sizeBytes: 8 * MiB };
}

async function journalFiles(): Promise<string[]> {
  const names = await readdir(path.join(stateDir, 'journals')).catch(() => [] as string[]);
  return names.map((name) => path.join(stateDir, 'journals', name));
}

describe('JournalStore', () => {
  it('loads what was saved, from a new store as a later run would', async () => {
    const saved = journal({ parts: [part(1), part(2)], sha256: 'ab'.repeat(32) });
    await new JournalStore(stateDir, ENDPOINT).save(saved);
    expect(await new JournalStore(stateDir, ENDPOINT).load(saved.bucket, saved.key)).toEqual(saved);
    expect(await journalFiles()).toHaveLength(1);
  });

  it('has no journal for a key that was never saved', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    await store.save(journal());
    expect(await store.load('survey-bucket', 'RMI25320/reels/R002/R002.mp4')).toBeUndefined();
    expect(await store.load('other-bucket', journal().key)).toBeUndefined();
  });

  it('keeps the journals of different endpoints apart', async () => {
    const here = new JournalStore(stateDir, ENDPOINT);
    const there = new JournalStore(stateDir, 'aws:ap-southeast-2');
    await here.save(journal({ uploadId: 'here' }));
    await there.save(journal({ endpoint: 'aws:ap-southeast-2', uploadId: 'there' }));
    expect((await here.load('survey-bucket', journal().key))?.uploadId).toBe('here');
    expect((await there.load('survey-bucket', journal().key))?.uploadId).toBe('there');
    expect((await here.list()).map((j) => j.uploadId)).toEqual(['here']);
  });

  it('removes a journal, and removing one that is not there is fine', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    await store.save(journal());
    await store.remove('survey-bucket', journal().key);
    expect(await store.load('survey-bucket', journal().key)).toBeUndefined();
    expect(await journalFiles()).toEqual([]);
    await expect(store.remove('survey-bucket', 'never/saved.mp4')).resolves.toBeUndefined();
  });

  it('saves a snapshot: later changes to the object are not written until the next save', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    const live = journal({ parts: [part(1)] });
    const saving = store.save(live);
    live.parts.push(part(2));
    await saving;
    expect((await store.load(live.bucket, live.key))?.parts).toEqual([part(1)]);
  });

  it('serialises saves so the newest snapshot is the one left on disk', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    const live = journal();
    const saves: Array<Promise<void>> = [];
    for (let n = 1; n <= 30; n++) {
      live.parts.push(part(n));
      saves.push(store.save(live));
    }
    await Promise.all(saves);
    expect((await store.load(live.bucket, live.key))?.parts).toHaveLength(30);
  });

  it('waits for a save still being written before removing, so the journal does not come back', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    const pending = store.save(journal({ parts: [part(1)] }));
    await store.remove('survey-bucket', journal().key);
    await pending;
    expect(await store.load('survey-bucket', journal().key)).toBeUndefined();
    expect(await journalFiles()).toEqual([]);
  });

  it.each([
    ['a torn write', '{"version":1,"endpoint":"http://127.0.0.1:7480","bucket":"survey-'],
    ['an empty file', ''],
    ['a journal of another format version', JSON.stringify({ ...journal(), version: 3 })],
    ['a journal naming another key', JSON.stringify(journal({ key: 'RMI25320/reels/R009/R009.mp4' }))],
  ])('treats %s as no journal', async (_what, text) => {
    const store = new JournalStore(stateDir, ENDPOINT);
    await store.save(journal());
    const [file] = await journalFiles();
    await writeFile(file!, text);
    expect(await store.load('survey-bucket', journal().key)).toBeUndefined();
  });

  it('reads a version 1 journal as an md5-mode upload whose parts have no local digests yet', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    await store.save(journal());
    const [file] = await journalFiles();
    const v1: Record<string, unknown> = { ...journal({ parts: [part(1), part(2)] }), version: 1 };
    delete v1.integrity;
    await writeFile(file!, JSON.stringify(v1));
    expect(await store.load('survey-bucket', journal().key)).toEqual(
      journal({ version: 2, integrity: 'md5', parts: [part(1), part(2)] }),
    );
    expect((await store.list()).map((j) => j.version)).toEqual([2]);
  });

  it('lists the journals it can read and skips corrupt files', async () => {
    const store = new JournalStore(stateDir, ENDPOINT);
    await store.save(journal({ key: 'a.mp4', uploadId: 'a' }));
    await store.save(journal({ key: 'b.mp4', uploadId: 'b' }));
    await writeFile(path.join(stateDir, 'journals', 'corrupt.json'), '{ not json');
    expect((await store.list()).map((j) => j.uploadId).sort()).toEqual(['a', 'b']);
  });

  it('lists nothing when no journal was ever saved', async () => {
    expect(await new JournalStore(stateDir, ENDPOINT).list()).toEqual([]);
  });
});
