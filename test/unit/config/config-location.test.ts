import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateConfig, userConfigPath } from '../../../src/config/config-location.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

describe('userConfigPath', () => {
  it('is under the roaming application data on Windows', () => {
    expect(userConfigPath({ APPDATA: 'C:\\Users\\crew\\AppData\\Roaming' }, 'win32')).toBe(
      'C:\\Users\\crew\\AppData\\Roaming\\upload-to-s3\\config.yaml',
    );
  });

  it('follows XDG_CONFIG_HOME, else ~/.config, on Linux and macOS', () => {
    expect(userConfigPath({ XDG_CONFIG_HOME: '/etc/xdg-crew' }, 'linux')).toBe(
      path.join('/etc/xdg-crew', 'upload-to-s3', 'config.yaml'),
    );
    expect(userConfigPath({}, 'darwin')).toBe(
      path.join(os.homedir(), '.config', 'upload-to-s3', 'config.yaml'),
    );
    expect(userConfigPath({ XDG_CONFIG_HOME: '' }, 'linux')).toBe(
      path.join(os.homedir(), '.config', 'upload-to-s3', 'config.yaml'),
    );
  });
});

describe('locateConfig', () => {
  async function homeWithConfig(): Promise<string> {
    const home = await makeTempDir('config-home');
    await mkdir(path.join(home, 'upload-to-s3'));
    await writeFile(path.join(home, 'upload-to-s3', 'config.yaml'), 'bucket: survey-archive\n');
    return home;
  }

  it('takes --config first, then UPLOAD_TO_S3_CONFIG, then the user file', async () => {
    const home = await homeWithConfig();
    const env = { XDG_CONFIG_HOME: home, UPLOAD_TO_S3_CONFIG: 'from-env.yaml' };

    expect(locateConfig('flag.yaml', env, 'linux')).toEqual({ path: 'flag.yaml', source: '--config' });
    expect(locateConfig(undefined, env, 'linux')).toEqual({
      path: 'from-env.yaml',
      source: 'UPLOAD_TO_S3_CONFIG',
    });
    expect(locateConfig(undefined, { XDG_CONFIG_HOME: home }, 'linux')).toEqual({
      path: path.join(home, 'upload-to-s3', 'config.yaml'),
      source: 'user config',
    });
  });

  it('finds none when the user has no config file, or a folder by that name', async () => {
    const empty = await makeTempDir('config-home-empty');
    expect(locateConfig(undefined, { XDG_CONFIG_HOME: empty }, 'linux')).toBeUndefined();

    await mkdir(path.join(empty, 'upload-to-s3', 'config.yaml'), { recursive: true });
    expect(locateConfig(undefined, { XDG_CONFIG_HOME: empty }, 'linux')).toBeUndefined();
  });
});
