import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/config-file.js';
import { resolveRunOptions } from '../../../src/config/run-options.js';
import {
  chooseStateDir,
  machineStateDir,
  resolveStateDir,
  sharedAccessFor,
} from '../../../src/config/state-dir.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'state-dir-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the machine-wide state folder', () => {
  it('is %ProgramData%\\upload-to-s3 on Windows and /var/lib/upload-to-s3 elsewhere', () => {
    expect(machineStateDir({ ProgramData: 'D:\\ProgramData' }, 'win32')).toBe(
      'D:\\ProgramData\\upload-to-s3',
    );
    expect(machineStateDir({}, 'win32')).toBe('C:\\ProgramData\\upload-to-s3');
    expect(machineStateDir({}, 'linux')).toBe('/var/lib/upload-to-s3');
    expect(machineStateDir({}, 'darwin')).toBe('/var/lib/upload-to-s3');
  });

  it("is what 'machine' names; any other setting is a path", () => {
    expect(resolveStateDir('machine', {}, 'linux')).toBe('/var/lib/upload-to-s3');
    expect(resolveStateDir('./machine-room', {}, 'linux')).toBe(path.resolve('machine-room'));
  });

  it('is chosen by --state-dir, then UPLOAD_TO_S3_STATE_DIR, then state_dir, empty values passed over', () => {
    const env = { UPLOAD_TO_S3_STATE_DIR: '/from/env', XDG_STATE_HOME: '/xdg' };
    expect(chooseStateDir('/from/flag', '/from/config', env)).toBe(path.resolve('/from/flag'));
    expect(chooseStateDir('', '/from/config', env)).toBe(path.resolve('/from/env'));
    expect(chooseStateDir(undefined, 'machine', { UPLOAD_TO_S3_STATE_DIR: '' })).toBe(machineStateDir({}));
    expect(chooseStateDir(undefined, undefined, { XDG_STATE_HOME: '/xdg', HOME: '/h' })).toBe(
      resolveStateDir(undefined, { XDG_STATE_HOME: '/xdg', HOME: '/h' }),
    );
  });

  it('lets BUILTIN\\Users (by SID) add files and folders and change files on Windows, but not remove folders', () => {
    expect(sharedAccessFor('C:\\ProgramData\\upload-to-s3', 'win32')).toEqual({
      kind: 'acl',
      command: 'icacls',
      args: [
        'C:\\ProgramData\\upload-to-s3',
        '/grant',
        '*S-1-5-32-545:(OI)(CI)RX',
        '*S-1-5-32-545:(CI)(WD,AD)',
        '*S-1-5-32-545:(OI)(IO)M',
        '/Q',
      ],
    });
  });

  it('is opened with mode 1777 elsewhere: everyone may add, only the owner may remove or replace, as /tmp', () => {
    expect(sharedAccessFor('/var/lib/upload-to-s3', 'linux')).toEqual({
      kind: 'mode',
      mode: 0o1777,
      folders: [
        '/var/lib/upload-to-s3',
        '/var/lib/upload-to-s3/locks',
        '/var/lib/upload-to-s3/journals',
        '/var/lib/upload-to-s3/runs',
      ],
    });
  });

  it('comes from state_dir: machine in a config (not a folder beside the config) and from --state-dir machine', async () => {
    const configPath = path.join(dir, 'config.yaml');
    await writeFile(configPath, 'bucket: survey-bucket\nstate_dir: machine\nbucket_lock: true\n');
    const file = (await loadConfigFile(configPath)).values;
    expect(file.state_dir).toBe('machine');
    const options = resolveRunOptions({ projectKey: 'RMI25320', folder: dir }, file, {});
    expect(options.stateDir).toBe(machineStateDir({}));
    expect(options.bucketLock).toBe(true);
    const fromFlag = resolveRunOptions(
      { projectKey: 'RMI25320', folder: dir, stateDir: 'machine', bucket: 'b-1' },
      {},
      {},
    );
    expect(fromFlag.stateDir).toBe(machineStateDir({}));
    expect(fromFlag.bucketLock).toBe(false);
  });
});
