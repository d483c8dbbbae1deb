/**
 * Replacing state files on real temp files, with failures injected into the rename the way Windows reports a
 * file that an antivirus, an indexer or a reader holds.
 */
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isSharingViolation,
  renameWithRetry,
  replaceFile,
  replaceFileSync,
} from '../../../src/state/replace-file.js';

const FAST = [1, 1, 1];

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replace-file-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** A rename that fails with `code` the first `failures` times, then renames for real. */
function flakyRename(code: string, failures: number) {
  const calls: string[] = [];
  const renameCall = async (from: string, to: string) => {
    calls.push(to);
    if (calls.length <= failures) throw fsError(code);
    await rename(from, to);
  };
  return { calls, rename: renameCall };
}

describe('renameWithRetry', () => {
  it('retries a rename that another program blocks with EBUSY, EPERM or EACCES, then renames', async () => {
    for (const code of ['EBUSY', 'EPERM', 'EACCES']) {
      await writeFile(join(dir, 'from'), code);
      const flaky = flakyRename(code, 2);
      await renameWithRetry(join(dir, 'from'), join(dir, 'to'), {
        delaysMs: FAST,
        fs: { rename: flaky.rename },
      });
      expect(flaky.calls).toHaveLength(3);
      expect(await readFile(join(dir, 'to'), 'utf8')).toBe(code);
    }
  });

  it('gives up with the last error once the retries are spent', async () => {
    await writeFile(join(dir, 'from'), 'x');
    const flaky = flakyRename('EBUSY', 10);
    await expect(
      renameWithRetry(join(dir, 'from'), join(dir, 'to'), { delaysMs: FAST, fs: { rename: flaky.rename } }),
    ).rejects.toMatchObject({ code: 'EBUSY' });
    expect(flaky.calls).toHaveLength(FAST.length + 1);
  });

  it('fails at once on an error that waiting does not fix', async () => {
    await writeFile(join(dir, 'from'), 'x');
    const flaky = flakyRename('ENOSPC', 1);
    await expect(
      renameWithRetry(join(dir, 'from'), join(dir, 'to'), { delaysMs: FAST, fs: { rename: flaky.rename } }),
    ).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(flaky.calls).toHaveLength(1);
  });
});

describe('replaceFile', () => {
  it('replaces the content and leaves no temp file', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, 'old');
    await replaceFile(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('writes content given in pieces as it comes, across its write batches, with no separator added', async () => {
    const file = join(dir, 'cache.json');
    await writeFile(file, 'old');
    const pieces = Array.from({ length: 30_000 }, (_, i) => `"piece ${i}é",`); // about 2.3 million characters
    let taken = 0;
    function* counted(): Generator<string> {
      for (const piece of pieces) {
        taken += 1;
        yield piece;
      }
    }
    await replaceFile(file, counted());
    expect(taken).toBe(pieces.length);
    expect(await readFile(file, 'utf8')).toBe(pieces.join(''));
    expect(await readdir(dir)).toEqual(['cache.json']);
  });

  it('replaces a file held for a moment, retrying the rename', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, 'old');
    const flaky = flakyRename('EPERM', 2);
    await replaceFile(file, 'new', { delaysMs: FAST, fs: { rename: flaky.rename } });
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(flaky.calls).toHaveLength(3);
  });

  it('keeps the old content and removes its temp file when the replace fails', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, 'old');
    const flaky = flakyRename('EBUSY', 10);
    await expect(
      replaceFile(file, 'new', { delaysMs: FAST, fs: { rename: flaky.rename } }),
    ).rejects.toMatchObject({ code: 'EBUSY' });
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('writes synchronously for a process about to exit', async () => {
    const file = join(dir, 'status.json');
    replaceFileSync(file, 'first');
    replaceFileSync(file, 'second');
    expect(await readFile(file, 'utf8')).toBe('second');
    expect(await readdir(dir)).toEqual(['status.json']);
  });
});

describe('isSharingViolation', () => {
  it('treats EBUSY as held everywhere, and EPERM and EACCES only on Windows', () => {
    expect(isSharingViolation(fsError('EBUSY'), 'linux')).toBe(true);
    expect(isSharingViolation(fsError('EBUSY'), 'win32')).toBe(true);
    expect(isSharingViolation(fsError('EPERM'), 'win32')).toBe(true);
    expect(isSharingViolation(fsError('EACCES'), 'win32')).toBe(true);
    expect(isSharingViolation(fsError('EPERM'), 'linux')).toBe(false);
    expect(isSharingViolation(fsError('EACCES'), 'darwin')).toBe(false);
    expect(isSharingViolation(fsError('ENOSPC'), 'win32')).toBe(false);
    expect(isSharingViolation(new Error('no code'), 'win32')).toBe(false);
  });
});
