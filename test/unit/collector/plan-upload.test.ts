import { execFileSync } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFolderTypes } from '../../../src/collector/folder-types.js';
import { planUpload, type PlanRequest, type UploadPlan } from '../../../src/collector/plan-upload.js';
import { detectFolderTypes } from '../../../src/collector/type-roots.js';
import { ConfigError } from '../../../src/errors.js';
import { makeTempDir, removeTempDirs, writeFiles, type FileContent } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** A survey project as the field team leaves it, with files each type must skip. */
const PROJECT: Record<string, FileContent> = {
  'reels/R001/R001.mp4': 'video-1',
  'reels/R001/R001.json': '{}',
  'reels/R001/R001.csv': 'frame,lat,lon',
  'reels/R001/R001.gpx': '<gpx/>',
  'reels/R002/R002.MP4': 'video-2',
  'reels/R002/R002.mp4.tmp': 'partial',
  'reels/R002/Thumbs.db': 'x',
  'config/project.yaml': 'name: x',
  'config/camera.json': '{}',
  'config/notes.txt': 'notes',
  'config/backup.bak': 'old',
  'gis_data/roads.shp': 'shp',
  'gis_data/roads.dbf': 'dbf',
  'gis_data/roads.prj': 'prj',
  'gis_data/extent.geojson': '{}',
  'logs/capture.log': 'log',
  'report/report.pdf': '%PDF',
  'scratch/ignored.txt': 'not a folder type',
};

async function makeProject(files: Record<string, FileContent> = PROJECT): Promise<string> {
  const dir = await makeTempDir('plan-upload');
  const project = path.join(dir, 'RMI25320');
  await writeFiles(project, files);
  return project;
}

function request(folder: string, overrides: Partial<PlanRequest> = {}): PlanRequest {
  return { folder, folderTypes: buildFolderTypes(), projectKey: 'RMI25320', prefix: '', ...overrides };
}

function keysByGroup(plan: UploadPlan): Record<string, string[]> {
  return Object.fromEntries([...plan.groups].map(([group, tasks]) => [group, tasks.map((task) => task.key)]));
}

async function planError(req: PlanRequest): Promise<Error> {
  const error = await planUpload(req).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('detectFolderTypes', () => {
  it('finds the folder types present, in canonical order, matching names case-insensitively', async () => {
    const project = await makeProject({
      'Logs/a.log': 'x',
      'reels/a.mp4': 'x',
      'CONFIG/a.yaml': 'x',
      'misc/a.txt': 'x',
    });

    const found = await detectFolderTypes(project, buildFolderTypes());

    expect([...found]).toEqual([
      ['reels', path.join(project, 'reels')],
      ['config', path.join(project, 'CONFIG')],
      ['logs', path.join(project, 'Logs')],
    ]);
  });

  it('ignores a file named like a folder type', async () => {
    const project = await makeProject({ reels: 'a file, not a folder', 'logs/a.log': 'x' });

    expect([...(await detectFolderTypes(project, buildFolderTypes())).keys()]).toEqual(['logs']);
  });

  it('finds types added in the config', async () => {
    const project = await makeProject({ 'lidar/scan.las': 'x' });

    const found = await detectFolderTypes(project, buildFolderTypes({ lidar: ['.las'] }));

    expect([...found.keys()]).toEqual(['lidar']);
  });
});

describe('planUpload', () => {
  it('plans every detected type with its own extension filter', async () => {
    const project = await makeProject();

    const plan = await planUpload(request(project));

    expect(keysByGroup(plan)).toEqual({
      reels: [
        'RMI25320/reels/R001/R001.csv',
        'RMI25320/reels/R001/R001.gpx',
        'RMI25320/reels/R001/R001.json',
        'RMI25320/reels/R001/R001.mp4',
        'RMI25320/reels/R002/R002.MP4',
      ],
      config: ['RMI25320/config/camera.json', 'RMI25320/config/notes.txt', 'RMI25320/config/project.yaml'],
      gis_data: [
        'RMI25320/gis_data/extent.geojson',
        'RMI25320/gis_data/roads.dbf',
        'RMI25320/gis_data/roads.prj',
        'RMI25320/gis_data/roads.shp',
      ],
      logs: ['RMI25320/logs/capture.log'],
      report: ['RMI25320/report/report.pdf'],
    });
    expect(plan.problems).toEqual([]);
  });

  it('records path, relative path, size and whole-millisecond mtime of each file', async () => {
    const project = await makeProject({ 'reels/R001/R001.mp4': 'video-1' });

    const [task] = (await planUpload(request(project))).groups.get('reels') ?? [];

    expect(task).toMatchObject({
      group: 'reels',
      path: path.join(project, 'reels', 'R001', 'R001.mp4'),
      relPath: 'R001/R001.mp4',
      key: 'RMI25320/reels/R001/R001.mp4',
      sizeBytes: 7,
    });
    expect(Number.isInteger(task?.mtimeMs)).toBe(true);
  });

  it('takes only the types named by --include', async () => {
    const project = await makeProject();

    const plan = await planUpload(request(project, { include: ['logs', 'config'] }));

    expect([...plan.groups.keys()]).toEqual(['config', 'logs']);
  });

  it('leaves out the types named by --exclude', async () => {
    const project = await makeProject();

    const plan = await planUpload(request(project, { exclude: ['reels', 'gis_data'] }));

    expect([...plan.groups.keys()]).toEqual(['config', 'logs', 'report']);
  });

  it('puts prefix and timestamp into every key', async () => {
    const project = await makeProject();

    const plan = await planUpload(
      request(project, { include: ['config'], prefix: 'field-data/', timestamp: '20250131_1430' }),
    );

    expect(keysByGroup(plan).config).toEqual([
      'field-data/RMI25320/config/20250131_1430/camera.json',
      'field-data/RMI25320/config/20250131_1430/notes.txt',
      'field-data/RMI25320/config/20250131_1430/project.yaml',
    ]);
  });

  it('treats a bare folder named reels as the reels root (the seed\'s "--folder D:\\reels")', async () => {
    const project = await makeProject();

    const plan = await planUpload(request(path.join(project, 'reels'), { include: ['reels'] }));

    expect(keysByGroup(plan)).toEqual({
      reels: [
        'RMI25320/reels/R001/R001.csv',
        'RMI25320/reels/R001/R001.gpx',
        'RMI25320/reels/R001/R001.json',
        'RMI25320/reels/R001/R001.mp4',
        'RMI25320/reels/R002/R002.MP4',
      ],
    });
  });

  it('treats a bare folder named reels as reels without --include too', async () => {
    const project = await makeProject();

    const plan = await planUpload(request(path.join(project, 'reels')));

    expect([...plan.groups.keys()]).toEqual(['reels']);
  });

  it('treats any folder as the type given by --folder-type', async () => {
    const dir = await makeTempDir('plan-upload');
    await writeFiles(dir, {
      'Camera Dump/R009/R009.mp4': 'v',
      'Camera Dump/R009/R009.log': 'not a reel file',
    });

    const plan = await planUpload(request(path.join(dir, 'Camera Dump'), { folderType: 'reels' }));

    expect(keysByGroup(plan)).toEqual({ reels: ['RMI25320/reels/R009/R009.mp4'] });
  });

  it('refuses an unknown folder type in --include, listing the known ones', async () => {
    const project = await makeProject();

    const error = await planError(request(project, { include: ['videos'] }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      '--include videos: unknown folder type; use one of reels, config, gis_data, logs, report (or add it under folder_types in the config)',
    );
  });

  it('refuses an unknown folder type in --exclude and --folder-type', async () => {
    const project = await makeProject();

    await expect(planUpload(request(project, { exclude: ['video'] }))).rejects.toThrow(
      /^--exclude video: unknown folder type/,
    );
    await expect(planUpload(request(project, { folderType: 'video' }))).rejects.toThrow(
      /^--folder-type video: unknown folder type/,
    );
  });

  it('refuses --include of a known type the project has no folder for', async () => {
    const project = await makeProject({ 'reels/a.mp4': 'x', 'logs/a.log': 'x' });

    const error = await planError(request(project, { include: ['reels', 'report'] }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`--include report: no such folder in ${project} (found: reels, logs)`);
  });

  it('refuses a folder that does not exist', async () => {
    const dir = await makeTempDir('plan-upload');
    const missing = path.join(dir, 'no-such-project');

    const error = await planError(request(missing));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `--folder ${missing}: no such folder; pass the project folder (or a reels folder)`,
    );
  });

  it('refuses a file given as the folder, saying it is a file', async () => {
    const project = await makeProject({ 'logs/run.log': 'x' });
    const file = path.join(project, 'logs', 'run.log');

    const error = await planError(request(file));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `--folder ${file}: a file, not a folder; pass the project folder (or a reels folder)`,
    );
  });

  it('reports a project whose type folders hold no matching file as a usage error', async () => {
    const project = await makeProject({ 'reels/R001/R001.mp4.tmp': 'x', 'logs/old.bak': 'x' });
    await mkdir(path.join(project, 'report'));

    const error = await planError(request(project));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `plan ${project}: no files to upload in reels, logs, report; check --folder and the extensions of each type` +
        " (left out: 2 files (2 extension not in the type's set))",
    );
  });

  it('reports a folder with no folder type in it as a usage error', async () => {
    const project = await makeProject({ 'misc/a.txt': 'x' });

    const error = await planError(request(project));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^plan .*: no folder type left to upload \(found: none\)/);
    expect(error.message).toMatch(
      /; point --folder at a project with reels, config, gis_data, logs, report folders, or name this folder's type with --folder-type \(e\.g\. --folder-type reels\)$/,
    );
  });

  it('reports excluding every type present', async () => {
    const project = await makeProject({ 'reels/a.mp4': 'x' });

    await expect(planUpload(request(project, { exclude: ['reels'] }))).rejects.toThrow(
      /no folder type left to upload \(found: reels\); check --include and --exclude$/,
    );
  });

  it('uses extension lists from the config for replaced and added types', async () => {
    const project = await makeProject({ 'reels/a.mov': 'x', 'reels/a.mp4': 'x', 'lidar/scan.LAS': 'x' });

    const plan = await planUpload(
      request(project, { folderTypes: buildFolderTypes({ reels: ['.mov'], lidar: ['.las'] }) }),
    );

    expect(keysByGroup(plan)).toEqual({
      reels: ['RMI25320/reels/a.mov'],
      lidar: ['RMI25320/lidar/scan.LAS'],
    });
  });

  it('reports a broken symbolic link with an allowed extension and plans the other files', async () => {
    const project = await makeProject({ 'reels/R001/R001.json': '{}' });
    const link = path.join(project, 'reels', 'R001', 'R001.mp4');
    await symlink(path.join(project, 'missing', 'R001.mp4'), link);

    const plan = await planUpload(request(project));

    expect(keysByGroup(plan)).toEqual({ reels: ['RMI25320/reels/R001/R001.json'] });
    expect(plan.problems).toEqual([
      { path: link, error: 'broken symbolic link, its target does not exist (ENOENT)', cause: 'read' },
    ]);
  });

  it('reports a symbolic link loop with an allowed extension', async () => {
    const project = await makeProject({ 'reels/R001/R001.json': '{}' });
    const link = path.join(project, 'reels', 'R001', 'loop.mp4');
    await symlink(link, link);

    const plan = await planUpload(request(project));

    expect(plan.problems).toEqual([{ path: link, error: 'symbolic link loop (ELOOP)', cause: 'read' }]);
  });

  it("follows a symbolic link to a file, under the link's name", async () => {
    const project = await makeProject({ 'elsewhere/clip.mp4': 'video', 'reels/R001/R001.json': '{}' });
    await symlink(
      path.join(project, 'elsewhere', 'clip.mp4'),
      path.join(project, 'reels', 'R001', 'R001.mp4'),
    );

    const plan = await planUpload(request(project, { include: ['reels'] }));

    expect(keysByGroup(plan).reels).toEqual([
      'RMI25320/reels/R001/R001.json',
      'RMI25320/reels/R001/R001.mp4',
    ]);
  });

  it('reports the second of two files whose NFC and NFD names map to one key, and uploads the first', async () => {
    const composed = 'Caf\u00e9.json';
    const decomposed = 'Cafe\u0301.json';
    const project = await makeProject({
      [`reels/${composed}`]: 'composed',
      [`reels/${decomposed}`]: 'decomposed',
    });

    const plan = await planUpload(request(project));

    const tasks = plan.groups.get('reels') ?? [];
    expect(tasks.map((task) => task.key)).toEqual(['RMI25320/reels/Caf\u00e9.json']);
    expect(plan.problems).toHaveLength(1);
    const [problem] = plan.problems;
    expect([tasks[0]?.path, problem?.path].sort()).toEqual(
      [path.join(project, 'reels', composed), path.join(project, 'reels', decomposed)].sort(),
    );
    const [mine, theirs] =
      problem?.path === path.join(project, 'reels', decomposed) ? ['NFD', 'NFC'] : ['NFC', 'NFD'];
    expect(problem?.error).toBe(
      `maps to the same key as ${tasks[0]?.path} (RMI25320/reels/Caf\u00e9.json), a name that differs from it ` +
        `only in how its accents are encoded (this one ${mine}, that one ${theirs}); rename one of them`,
    );
    expect(problem?.cause).toBe('key');
  });
  it.skipIf(process.platform === 'win32')(
    'keeps a POSIX name holding a backslash as one name, apart from the file of that name in a sub-folder',
    async () => {
      const project = await makeProject({
        'reels/R001/a.json': 'in a folder',
        'reels/R001\\a.json': 'one name',
      });

      const plan = await planUpload(request(project));

      expect((plan.groups.get('reels') ?? []).map((task) => task.key).sort()).toEqual([
        'RMI25320/reels/R001/a.json',
        'RMI25320/reels/R001\\a.json',
      ]);
      expect(plan.problems).toEqual([]);
    },
  );

  it('plans thousands of plain names without losing or renaming one', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`logs/d${i % 20}/f${i}.log`, String(i)]),
    );
    const project = await makeProject(files);

    const plan = await planUpload(request(project));

    const keys = (plan.groups.get('logs') ?? []).map((task) => task.key);
    expect(new Set(keys).size).toBe(2000);
    expect(keys).toContain('RMI25320/logs/d7/f1987.log');
    expect(plan.problems).toEqual([]);
  });
});

describe('planUpload never drops a file silently', () => {
  it('takes the folder given with --folder-type as that type even when a sub-folder is named like a type', async () => {
    const dir = await makeTempDir('plan-upload');
    const dump = path.join(dir, 'Camera Dump');
    await writeFiles(dump, {
      'R009/R009.mp4': 'v',
      'logs/R010/R010.mp4': 'v',
      'logs/camera.log': 'not a reel file',
    });

    const plan = await planUpload(request(dump, { folderType: 'reels' }));

    expect(keysByGroup(plan)).toEqual({
      reels: ['RMI25320/reels/R009/R009.mp4', 'RMI25320/reels/logs/R010/R010.mp4'],
    });
    expect(plan.leftOut).toEqual([
      { path: path.join(dump, 'logs', 'camera.log'), reason: 'extension', detail: 'reels' },
    ]);
  });

  it('takes a folder named reels as reels despite type-named sub-folders, and says so in a debug line', async () => {
    const dir = await makeTempDir('plan-upload');
    const reels = path.join(dir, 'reels');
    await writeFiles(reels, { 'R001/R001.mp4': 'v', 'config/R002.json': '{}', 'logs/R003.mp4': 'v' });
    const debug: string[] = [];

    const plan = await planUpload(request(reels, { onDebug: (line) => debug.push(line) }));

    expect(keysByGroup(plan)).toEqual({
      reels: [
        'RMI25320/reels/R001/R001.mp4',
        'RMI25320/reels/config/R002.json',
        'RMI25320/reels/logs/R003.mp4',
      ],
    });
    expect(debug).toEqual([
      `plan: ${reels} is named like the reels type, so it is the reels root; ` +
        'its sub-folders named like types (config, logs) are walked as reels folders',
    ]);
  });

  it('detects a type folder that is a link to a folder elsewhere, and walks it', async () => {
    const project = await makeProject({ 'logs/a.log': 'x' });
    const disk = await makeTempDir('camera-disk');
    await writeFiles(disk, { 'R001/R001.mp4': 'v' });
    await symlink(disk, path.join(project, 'reels'));

    const plan = await planUpload(request(project));

    expect(keysByGroup(plan)).toEqual({
      reels: ['RMI25320/reels/R001/R001.mp4'],
      logs: ['RMI25320/logs/a.log'],
    });
    expect(await detectFolderTypes(project, buildFolderTypes())).toEqual(
      new Map([
        ['reels', path.join(project, 'reels')],
        ['logs', path.join(project, 'logs')],
      ]),
    );
  });

  it('records entries of a project folder that are no type folder, files named like types included', async () => {
    const project = await makeProject({
      'reels/R001.mp4': 'v',
      'misc/a.txt': 'x',
      'videos/b.mp4': 'x',
      'Thumbs.db': 'x',
      'tool.exe': 'x',
      logs: 'a file, not a folder',
    });

    const plan = await planUpload(request(project));

    expect(plan.leftOut).toEqual(
      ['Thumbs.db', 'logs', 'misc', 'tool.exe', 'videos'].map((name) => ({
        path: path.join(project, name),
        reason: 'not a folder type',
      })),
    );
  });

  it('takes the first of two folders whose names differ only in case, and fails the second: its files are not sent', async () => {
    const project = await makeProject({ 'Reels/a.mp4': 'x', 'reels/b.mp4': 'x', 'logs/c.log': 'x' });

    const plan = await planUpload(request(project));

    expect(keysByGroup(plan)).toEqual({ reels: ['RMI25320/reels/a.mp4'], logs: ['RMI25320/logs/c.log'] });
    expect(plan.leftOut).toEqual([]);
    expect(plan.problems).toEqual([
      {
        path: path.join(project, 'reels'),
        error: `a second reels folder beside ${path.join(project, 'Reels')}, their names differing only in case: its files are not uploaded; move them into ${path.join(project, 'Reels')}`,
        cause: 'key',
      },
    ]);
  });

  it('leaves the second of two such folders out when the run does not take their type', async () => {
    const project = await makeProject({ 'Reels/a.mp4': 'x', 'reels/b.mp4': 'x', 'logs/c.log': 'x' });

    const plan = await planUpload({ ...request(project), include: ['logs'] });

    expect(keysByGroup(plan)).toEqual({ logs: ['RMI25320/logs/c.log'] });
    expect(plan.problems).toEqual([]);
    expect(plan.leftOut).toContainEqual({
      path: path.join(project, 'reels'),
      reason: 'not a folder type',
      detail: `reels is ${path.join(project, 'Reels')}`,
    });
  });

  it('reports a broken link in the project folder as a problem (a type folder on an unplugged disk)', async () => {
    const project = await makeProject({ 'logs/a.log': 'x' });
    const link = path.join(project, 'reels');
    await symlink(path.join(project, 'unplugged', 'reels'), link);

    const plan = await planUpload(request(project));

    expect(keysByGroup(plan)).toEqual({ logs: ['RMI25320/logs/a.log'] });
    expect(plan.problems).toEqual([
      { path: link, error: 'broken symbolic link, its target does not exist (ENOENT)', cause: 'read' },
    ]);
  });

  it('records a link loop and a FIFO inside a type folder and plans the rest', async () => {
    const project = await makeProject({ 'reels/R001/R001.mp4': 'v' });
    await symlink('..', path.join(project, 'reels', 'R001', 'back'));
    execFileSync('mkfifo', [path.join(project, 'reels', 'R001', 'live.mp4')]);

    const plan = await planUpload(request(project));

    expect(keysByGroup(plan)).toEqual({ reels: ['RMI25320/reels/R001/R001.mp4'] });
    expect(plan.leftOut).toEqual([
      {
        path: path.join(project, 'reels', 'R001', 'back'),
        reason: 'link loop',
        detail: `leads back to ${path.join(project, 'reels')}`,
      },
      { path: path.join(project, 'reels', 'R001', 'live.mp4'), reason: 'not a regular file' },
    ]);
    expect(plan.problems).toEqual([]);
  });
});
