import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, makeFolderSync } from '../../../src/state/make-folder.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'make-folder-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('makeFolder', () => {
  it('creates every missing level and accepts a folder that exists', async () => {
    const deep = path.join(root, 'a', 'b', 'c');
    await makeFolder(deep);
    await makeFolder(deep);
    makeFolderSync(path.join(deep, 'd'));
    expect((await stat(path.join(deep, 'd'))).isDirectory()).toBe(true);
  });

  it('tells of each level it created, outermost first, before making the next; never of one that existed', async () => {
    const top = path.join(root, 'told');
    const seen: string[] = [];
    const onCreated = (folder: string) => {
      seen.push(folder);
      expect(existsSync(path.join(folder, 'inner'))).toBe(false);
    };
    await makeFolder(path.join(top, 'inner'), onCreated);
    makeFolderSync(path.join(top, 'inner', 'deeper'), onCreated);
    await makeFolder(top, onCreated);
    expect(seen).toEqual([top, path.join(top, 'inner'), path.join(top, 'inner', 'deeper')]);
  });

  it('refuses a path through a regular file with ENOTDIR', async () => {
    const file = path.join(root, 'regular');
    await writeFile(file, 'x');
    await expect(makeFolder(path.join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(() => makeFolderSync(path.join(file, 'sub'))).toThrow(/ENOTDIR/);
    await expect(makeFolder(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it.runIf(process.platform === 'linux')('ends with ENOENT under /proc instead of looping', async () => {
    await expect(makeFolder('/proc/upload-to-s3-none/status')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => makeFolderSync('/proc/upload-to-s3-none')).toThrow(/ENOENT/);
  });
});
