/**
 * A file edited by a tool that restores its size and mtime afterwards (some editors and sync tools do) is still
 * noticed: the hash cache trusts a digest only while the file's change stamp (ctime, inode) is the one it had.
 */
import { open, stat, utimes } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { getObjectBytes } from '../support/bucket.js';
import { writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import {
  acceptedPartNumbers,
  digestFile,
  interruptAfterParts,
  keyOf,
  MiB,
  uploadArgs,
  useHarnessBucket,
} from './transfer-harness.js';

let bucket: string;
const { harness, expectStored } = useHarnessBucket('edited', (created) => (bucket = created));

describe('a file edited with its size and mtime restored', () => {
  it('is hashed again and re-sent by --verify, not skipped on a cached digest', async () => {
    const h = await harness('EDITED');
    const rel = 'logs/day-1.log';
    const [file] = await writeFiles(h.projectDir, { [rel]: 'first version of the log\n' });
    const first = await runCli(uploadArgs(h));
    expect(first.code, first.stderr).toBe(0);

    const before = await stat(file!);
    await writeFiles(h.projectDir, { [rel]: 'other version of the log\n' });
    await utimes(file!, before.atimeMs / 1000, before.mtimeMs / 1000);
    const after = await stat(file!);
    expect(after.size).toBe(before.size);
    expect(Math.floor(after.mtimeMs)).toBe(Math.floor(before.mtimeMs));

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h, '--verify'));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(h.proxy.stats().byOperation.PutObject ?? 0).toBe(1);
    expect((await getObjectBytes(bucket, keyOf(h, rel))).toString()).toBe('other version of the log\n');
  });
});

describe('a reel edited in place between an interrupted upload and its resume, its size and mtime restored', () => {
  it('has the parts already stored read again, and the changed one sent again: the object is the file', async () => {
    const h = await harness('EDITRESUME');
    const rel = 'reels/R001/R001.mp4';
    const [file] = await writeFiles(h.projectDir, { [rel]: { sizeBytes: 24 * MiB, seed: 'edit-resume' } });
    // one part at a time: parts 1 and 2 are the ones stored, and the edit lands in part 1
    await interruptAfterParts(h, 2, uploadArgs(h, '--max-concurrency', '1'));

    const before = await stat(file!);
    const handle = await open(file!, 'r+');
    await handle.write(Buffer.from('edited in place'), 0, 15, 1000);
    await handle.close();
    await utimes(file!, before.atimeMs / 1000, before.mtimeMs / 1000);
    expect(Math.floor((await stat(file!)).mtimeMs)).toBe(Math.floor(before.mtimeMs));

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(acceptedPartNumbers(h.proxy.stats())).toEqual([1, 3]);
    await expectStored(keyOf(h, rel), await digestFile(file!, 8 * MiB));
  });
});
