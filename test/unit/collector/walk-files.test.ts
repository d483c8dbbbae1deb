import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Stats } from 'node:fs';
import { walkFiles, type WalkFilter, type WalkFs } from '../../../src/collector/walk-files.js';
import { makeTempDir, removeTempDirs, writeFiles, type FileContent } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** Everything the walk knows of a file it takes. */
function keepAll(filePath: string, relPath: string, info: Stats) {
  return { path: filePath, relPath, sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) };
}

const REELS: WalkFilter<ReturnType<typeof keepAll>> = {
  accept: (name) => /\.(mp4|json)$/i.test(name),
  keep: keepAll,
  refused: { reason: 'extension', detail: 'reels' },
};

async function makeTree(files: Record<string, FileContent>): Promise<string> {
  const root = path.join(await makeTempDir('walk-files'), 'reels');
  await mkdir(root, { recursive: true });
  await writeFiles(root, files);
  return root;
}

function relPaths(result: Awaited<ReturnType<typeof walkFiles>>): string[] {
  return result.files.map((file) => file.relPath);
}

/** The real file system, except that `call` fails with `code` for the paths named. */
function failing(call: keyof WalkFs, code: string, paths: readonly string[]): WalkFs {
  const fail = (target: string) => {
    if (!paths.includes(target)) return;
    throw Object.assign(new Error(`${code}: injected, ${call} '${target}'`), { code });
  };
  return {
    readdir: (target) => {
      if (call === 'readdir') fail(target);
      return readdirSync(target, { withFileTypes: true });
    },
    stat: (target) => {
      if (call === 'stat') fail(target);
      return statSync(target);
    },
    lstat: (target) => {
      if (call === 'lstat') fail(target);
      return lstatSync(target);
    },
    realpath: (target) => {
      if (call === 'realpath') fail(target);
      return realpathSync(target);
    },
  };
}

describe('walkFiles', () => {
  it('records each file the extension filter refuses, with the folder type as detail', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v', 'R001/R001.mp4.tmp': 'x', 'Thumbs.db': 'x' });

    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['R001/R001.mp4']);
    expect(result.leftOut).toEqual([
      { path: path.join(root, 'R001', 'R001.mp4.tmp'), reason: 'extension', detail: 'reels' },
      { path: path.join(root, 'Thumbs.db'), reason: 'extension', detail: 'reels' },
    ]);
    expect(result.problems).toEqual([]);
  });

  it("follows a link to a folder elsewhere, under the link's name", async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v' });
    const elsewhere = await makeTempDir('other-disk');
    await writeFiles(elsewhere, { 'R002/R002.mp4': 'v2', 'R002/R002.json': '{}' });
    await symlink(path.join(elsewhere, 'R002'), path.join(root, 'R002'));

    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['R001/R001.mp4', 'R002/R002.json', 'R002/R002.mp4']);
    expect(result.files[1]?.path).toBe(path.join(root, 'R002', 'R002.json'));
    expect(result.leftOut).toEqual([]);
  });

  it('follows a link to a file, and judges it by its own name', async () => {
    const root = await makeTree({ 'R001/R001.json': '{}' });
    const elsewhere = await makeTempDir('other-disk');
    await writeFiles(elsewhere, { 'clip.bin': 'video' });
    await symlink(path.join(elsewhere, 'clip.bin'), path.join(root, 'R001', 'R001.mp4'));
    await symlink(path.join(elsewhere, 'clip.bin'), path.join(root, 'R001', 'copy.bin'));

    const result = await walkFiles(root, REELS);

    expect(result.files.map((f) => [f.relPath, f.sizeBytes])).toEqual([
      ['R001/R001.json', 2],
      ['R001/R001.mp4', 5],
    ]);
    expect(result.leftOut).toEqual([
      { path: path.join(root, 'R001', 'copy.bin'), reason: 'extension', detail: 'reels' },
    ]);
  });

  it('leaves out links back to the root, to a walked folder and to a folder holding the root as link loops', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v', 'R002/R002.mp4': 'v' });
    await symlink('..', path.join(root, 'R001', 'up'));
    await symlink('.', path.join(root, 'R001', 'self'));
    await symlink('../..', path.join(root, 'R002', 'project'));

    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['R001/R001.mp4', 'R002/R002.mp4']);
    expect(result.leftOut).toEqual([
      {
        path: path.join(root, 'R001', 'self'),
        reason: 'link loop',
        detail: `leads back to ${path.join(root, 'R001')}`,
      },
      { path: path.join(root, 'R001', 'up'), reason: 'link loop', detail: `leads back to ${root}` },
      {
        path: path.join(root, 'R002', 'project'),
        reason: 'link loop',
        detail: `leads back to ${path.dirname(root)}, which holds ${root}`,
      },
    ]);
    expect(result.problems).toEqual([]);
  });

  it('walks a folder both present and linked under its real path, leaving out the link', async () => {
    // 'A-link' sorts before 'B' in every listing order that matters: real folders win anyway
    const root = await makeTree({ 'B/R002.mp4': 'v' });
    await symlink('B', path.join(root, 'A-link'));

    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['B/R002.mp4']);
    expect(result.leftOut).toEqual([
      {
        path: path.join(root, 'A-link'),
        reason: 'link loop',
        detail: `leads back to ${path.join(root, 'B')}`,
      },
    ]);
  });

  it('stops a loop between two linked folders outside the root after one round', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v' });
    const outside = await makeTempDir('outside');
    await writeFiles(outside, { 'a/clip-a.mp4': 'a', 'b/clip-b.mp4': 'b' });
    await symlink(path.join(outside, 'b'), path.join(outside, 'a', 'to-b'));
    await symlink(path.join(outside, 'a'), path.join(outside, 'b', 'to-a'));
    await symlink(path.join(outside, 'a'), path.join(root, 'linked'));

    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['R001/R001.mp4', 'linked/clip-a.mp4', 'linked/to-b/clip-b.mp4']);
    expect(result.leftOut).toEqual([
      {
        path: path.join(root, 'linked', 'to-b', 'to-a'),
        reason: 'link loop',
        detail: `leads back to ${path.join(root, 'linked')}`,
      },
    ]);
  });

  it('leaves out a FIFO and a link to one as not regular files, without opening them', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v' });
    const fifo = path.join(root, 'R001', 'stream.mp4');
    execFileSync('mkfifo', [fifo]);
    await symlink(fifo, path.join(root, 'R001', 'pipe-link.mp4'));

    // opening a FIFO with no writer blocks forever: finishing at all shows it was not opened
    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['R001/R001.mp4']);
    expect(result.leftOut).toEqual([
      { path: path.join(root, 'R001', 'pipe-link.mp4'), reason: 'not a regular file' },
      { path: fifo, reason: 'not a regular file' },
    ]);
  });

  it('reports a broken link as a problem whatever its name, since it may have been a folder', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v' });
    await symlink(path.join(root, 'unplugged-disk', 'R002'), path.join(root, 'R002'));
    await symlink('missing.mp4', path.join(root, 'R001', 'R001.json'));

    const result = await walkFiles(root, REELS);

    expect(relPaths(result)).toEqual(['R001/R001.mp4']);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        {
          path: path.join(root, 'R002'),
          error: 'broken symbolic link, its target does not exist (ENOENT)',
          cause: 'read',
        },
        {
          path: path.join(root, 'R001', 'R001.json'),
          error: 'broken symbolic link, its target does not exist (ENOENT)',
          cause: 'read',
        },
      ]),
    );
    expect(result.problems).toHaveLength(2);
  });

  it.runIf(process.platform === 'linux')(
    'reports a file whose name is not UTF-8 as one to rename, not as gone',
    async () => {
      const root = await makeTree({ 'R001/R001.mp4': 'v' });
      // Latin-1 "é", as an old tool on a FAT card writes it
      const name = Buffer.concat([
        Buffer.from(path.join(root, 'R001', 'caf')),
        Buffer.from([0xe9]),
        Buffer.from('.json'),
      ]);
      writeFileSync(name, '{}');
      const folder = Buffer.concat([
        Buffer.from(path.join(root, 'R')),
        Buffer.from([0xf6]),
        Buffer.from('002'),
      ]);
      mkdirSync(folder);
      writeFileSync(Buffer.concat([folder, Buffer.from('/R002.mp4')]), 'v');

      const result = await walkFiles(root, REELS);
      const notUtf8 =
        'its name is not valid UTF-8, so it cannot be opened (shown with \uFFFD for each bad byte); rename it';

      expect(relPaths(result)).toEqual(['R001/R001.mp4']);
      expect(result.problems).toEqual(
        expect.arrayContaining([
          { path: path.join(root, 'R001', 'caf\uFFFD.json'), error: notUtf8, cause: 'read' },
          { path: path.join(root, 'R\uFFFD002'), error: notUtf8, cause: 'read' },
        ]),
      );
      expect(result.problems).toHaveLength(2);
    },
  );

  it('reports a file that vanished between the listing and its stat as no longer existing', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v', 'R001/R001.json': '{}' });
    const gone = path.join(root, 'R001', 'R001.json');
    const fs = failing('stat', 'ENOENT', [gone]);

    const result = await walkFiles(root, REELS, fs);

    expect(relPaths(result)).toEqual(['R001/R001.mp4']);
    expect(result.problems).toEqual([{ path: gone, error: 'no longer exists (ENOENT)', cause: 'read' }]);
  });

  it('reports an unreadable file (EIO) and keeps walking', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v', 'R002/R002.mp4': 'v' });
    const bad = path.join(root, 'R001', 'R001.mp4');

    const result = await walkFiles(root, REELS, failing('stat', 'EIO', [bad]));

    expect(relPaths(result)).toEqual(['R002/R002.mp4']);
    expect(result.problems).toEqual([{ path: bad, error: 'cannot read (EIO)', cause: 'read' }]);
  });

  it('reports a folder it may not list (EACCES) and walks its siblings', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v', 'R002/R002.mp4': 'v' });
    const locked = path.join(root, 'R001');

    const result = await walkFiles(root, REELS, failing('readdir', 'EACCES', [locked]));

    expect(relPaths(result)).toEqual(['R002/R002.mp4']);
    expect(result.problems).toEqual([{ path: locked, error: 'permission denied (EACCES)', cause: 'read' }]);
  });

  it("leaves out a drive's recycle bin and system folders unread, at any depth and in any case", async () => {
    const root = await makeTree({
      'R001/R001.mp4': 'v',
      '$RECYCLE.BIN/S-1-5-21-1000/$R0A1B2C.mp4': 'deleted',
      'System Volume Information/IndexerVolumeGuid': 'x',
      'lost+found/R009.mp4': 'v',
      '.Trash-1000/files/R008.mp4': 'deleted',
      'R001/$Recycle.Bin/R007.mp4': 'deleted',
    });
    const systemFolders = ['$RECYCLE.BIN', 'System Volume Information', 'lost+found', '.Trash-1000'];
    const unreadable = systemFolders.map((name) => path.join(root, name));

    const result = await walkFiles(root, REELS, failing('readdir', 'EACCES', unreadable));

    expect(relPaths(result)).toEqual(['R001/R001.mp4']);
    expect(result.problems).toEqual([]);
    expect(result.leftOut).toEqual(
      [...unreadable, path.join(root, 'R001', '$Recycle.Bin')]
        .map((folder) => ({ path: folder, reason: 'system folder' }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
  });

  it("leaves out macOS's AppleDouble files (`._` and a file's name), which it writes beside each file on a FAT card", async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v', 'R001/._R001.mp4': 'finder info', 'R001/._': 'v' });

    const result = await walkFiles(root, { ...REELS, accept: () => true });

    expect(relPaths(result)).toEqual(['R001/._', 'R001/R001.mp4']);
    expect(result.leftOut).toEqual([{ path: path.join(root, 'R001', '._R001.mp4'), reason: 'system file' }]);
  });

  it('reports a linked folder whose real path cannot be resolved', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v' });
    const elsewhere = await makeTempDir('other-disk');
    await writeFiles(elsewhere, { 'R002/R002.mp4': 'v' });
    const link = path.join(root, 'R002');
    await symlink(path.join(elsewhere, 'R002'), link);

    const result = await walkFiles(root, REELS, failing('realpath', 'EACCES', [link]));

    expect(relPaths(result)).toEqual(['R001/R001.mp4']);
    expect(result.problems).toEqual([{ path: link, error: 'permission denied (EACCES)', cause: 'read' }]);
  });

  it('reports a root that vanished before the walk', async () => {
    const root = await makeTree({ 'R001/R001.mp4': 'v' });
    await rm(root, { recursive: true });

    const result = await walkFiles(root, REELS);

    expect(result).toEqual({
      files: [],
      leftOut: [],
      problems: [{ path: root, error: 'no longer exists (ENOENT)', cause: 'read' }],
    });
  });
});
