import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { checkOutputPaths, type OutputPaths } from '../../../src/status/output-paths.js';

let root: string;
let regular: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'output-paths-'));
  regular = path.join(root, 'regular');
  await writeFile(regular, 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function paths(overrides: Partial<OutputPaths>): OutputPaths {
  return {
    statusJson: path.join(root, 'run', 'status.json'),
    logCsv: path.join(root, 'run', 'upload-log.csv'),
    stateDir: path.join(root, 'state'),
    ...overrides,
  };
}

describe('checkOutputPaths', () => {
  it('accepts new paths, makes the files’ folders and leaves no file behind', async () => {
    await checkOutputPaths(paths({ logFile: path.join(root, 'logs', 'run.log') }));
    expect(await readdir(path.join(root, 'run'))).toEqual([]);
    expect(await readdir(path.join(root, 'logs'))).toEqual([]);
    // the state folder is the run lock's to create
    expect(await readdir(root)).not.toContain('state');
  });

  it.each([
    ['statusJson', 'status file', '--status-json or status_json'],
    ['logCsv', 'CSV log', '--log-csv or log_csv'],
    ['logFile', 'log file', '--log-file'],
  ] as const)('names the %s under a regular file and its setting', async (name, what, setting) => {
    const bad = path.join(regular, 'out.txt');
    const error = await checkOutputPaths(paths({ [name]: bad })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `write ${what} ${bad}: part of the path is a file, not a folder (ENOTDIR); pass a path you can write to with ${setting}`,
    );
  });

  it('refuses a state folder that is a file, and one under a file', async () => {
    await expect(checkOutputPaths(paths({ stateDir: regular }))).rejects.toThrow(
      /write state folder .*regular: it is a file, not a folder; .*--state-dir or state_dir/,
    );
    await expect(checkOutputPaths(paths({ stateDir: path.join(regular, 'state') }))).rejects.toThrow(
      /write state folder .*: part of the path is a file, not a folder \(ENOTDIR\)/,
    );
  });

  it('refuses a status file that is a folder', async () => {
    const folder = path.join(root, 'a-folder');
    await mkdir(folder);
    await expect(checkOutputPaths(paths({ statusJson: folder }))).rejects.toThrow(
      /write status file .*a-folder: it is a folder;/,
    );
  });

  it.runIf(process.platform === 'linux')('ends at once for paths under /proc', async () => {
    await expect(checkOutputPaths(paths({ statusJson: '/proc/x/status.json' }))).rejects.toThrow(
      'write status file /proc/x/status.json: cannot be created there (ENOENT)',
    );
    await expect(checkOutputPaths(paths({ stateDir: '/proc/x' }))).rejects.toThrow(
      /write state folder \/proc\/x: .*\(E[A-Z]+\)/,
    );
  });

  it.runIf(process.platform !== 'win32' && process.getuid?.() !== 0)(
    'refuses a folder without write permission',
    async () => {
      const locked = path.join(root, 'locked');
      await mkdir(locked, { mode: 0o500 });
      await expect(checkOutputPaths(paths({ logCsv: path.join(locked, 'log.csv') }))).rejects.toThrow(
        /permission denied \(EACCES\)/,
      );
    },
  );
});
