import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, validateConfig } from '../../../src/config/config-file.js';
import { ConfigError } from '../../../src/errors.js';
import { makeTempDir, removeTempDirs, writeConfig } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** Loads `text` written verbatim as `config.yaml` in a fresh folder; returns the error it throws. */
async function loadError(text: string): Promise<{ error: ConfigError; file: string }> {
  const dir = await makeTempDir('config-file');
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, text);
  const error = await loadConfigFile(file).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return { error: error as ConfigError, file };
}

describe('loadConfigFile', () => {
  it('returns the values of a valid file with its absolute path', async () => {
    const dir = await makeTempDir('config-file');
    const file = await writeConfig(dir, {
      bucket: 'survey-data',
      region: 'eu-central-1',
      endpoint_url: 'http://127.0.0.1:7480',
      force_path_style: true,
      prefix: 'field-data/',
      auth_mode: 'config',
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'secret',
      max_concurrency: 'cpu*4',
      max_memory: '256MiB',
      status_interval: 5,
      folder_types: { lidar: ['.las', '.laz'] },
    });

    const loaded = await loadConfigFile(path.relative(process.cwd(), file));

    expect(loaded.path).toBe(file);
    expect(loaded.values).toEqual({
      bucket: 'survey-data',
      region: 'eu-central-1',
      endpoint_url: 'http://127.0.0.1:7480',
      force_path_style: true,
      prefix: 'field-data/',
      auth_mode: 'config',
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'secret',
      max_concurrency: 'cpu*4',
      max_memory: '256MiB',
      status_interval: 5,
      folder_types: { lidar: ['.las', '.laz'] },
    });
  });

  it('resolves relative path keys against the config file folder, not the working folder', async () => {
    const dir = await makeTempDir('config-file');
    const configDir = path.join(dir, 'settings');
    const file = await writeConfig(configDir, {
      bucket: 'survey-data',
      project_base: '../projects/RMI25320',
      status_json: 'status/status.json',
      log_csv: './upload-log.csv',
      state_dir: '/var/tmp/upload-state',
    });

    const { values } = await loadConfigFile(file);

    expect(values.project_base).toBe(path.join(dir, 'projects', 'RMI25320'));
    expect(values.status_json).toBe(path.join(configDir, 'status', 'status.json'));
    expect(values.log_csv).toBe(path.join(configDir, 'upload-log.csv'));
    expect(values.state_dir).toBe('/var/tmp/upload-state');
  });

  it('treats an empty file as no settings', async () => {
    const dir = await makeTempDir('config-file');
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, '# nothing set yet\n');

    await expect(loadConfigFile(file)).resolves.toEqual({ path: file, values: {} });
  });

  it('treats a key without a value as unset', async () => {
    const dir = await makeTempDir('config-file');
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, 'bucket: survey-data\nprefix:\n');

    const { values } = await loadConfigFile(file);

    expect(values).toEqual({ bucket: 'survey-data' });
  });

  it('rejects an unknown key and suggests the closest known one', async () => {
    const { error, file } = await loadError('bukcet: survey-data\n');

    expect(error.message).toContain(file);
    expect(error.message).toContain("unknown key 'bukcet' (did you mean 'bucket'?)");
  });

  it('lists the known keys when an unknown key is close to none of them', async () => {
    const { error } = await loadError('completely_unrelated_setting: 1\n');

    expect(error.message).toMatch(
      /unknown key 'completely_unrelated_setting' \(known keys: bucket, region, .*folder_types\)/,
    );
  });

  it.each([
    ['force_path_style: "yes"', "'force_path_style' must be true or false"],
    ['status_interval: -1', "'status_interval' must be a positive number"],
    ['status_interval: "fast"', "'status_interval' must be a positive number"],
    ['bucket: 42', "'bucket' must be a non-empty text value"],
    ['bucket: [a, b]', "'bucket' must be a non-empty text value"],
    ['max_concurrency: [8]', "'max_concurrency' must be a number or text"],
    ['auth_mode: password', "'auth_mode' must be one of config, instance, keyring, profile"],
    ['folder_types: [.mp4]', "'folder_types' must map folder type names to lists of extensions"],
    ['folder_types: {lidar: .las}', "'folder_types' entry 'lidar' must be a list of extensions"],
    ['folder_types: {"bad name": [.las]}', "'folder_types' has an invalid folder type name 'bad name'"],
  ])('rejects a value of the wrong type: %s', async (line, expected) => {
    const { error } = await loadError(`${line}\n`);

    expect(error.message).toContain(expected);
  });

  it('reports every problem of a file at once, in one line naming the file', async () => {
    const { error, file } = await loadError(
      ['bukcet: survey-data', 'force_path_style: "yes"', 'auth_mode: password', 'regoin: eu-west-1'].join(
        '\n',
      ),
    );

    expect(error.message).not.toContain('\n');
    expect(error.message.startsWith(`config ${file}: `)).toBe(true);
    expect(error.message).toContain("unknown key 'bukcet'");
    expect(error.message).toContain("'force_path_style' must be true or false");
    expect(error.message).toContain("'auth_mode' must be one of");
    expect(error.message).toContain("unknown key 'regoin' (did you mean 'region'?)");
    expect(error.message).toMatch(/; fix the file and run again$/);
  });

  it('reports malformed YAML in one line naming the file', async () => {
    const { error, file } = await loadError('bucket: [survey-data\nregion: eu-west-1\n');

    expect(error.message).toContain(`parse config ${file}: malformed YAML`);
    expect(error.message).not.toContain('\n');
  });

  it('reports a key given twice as malformed YAML', async () => {
    const { error } = await loadError('bucket: a-bucket\nbucket: b-bucket\n');

    expect(error.message).toContain('malformed YAML');
  });

  it('rejects a document that is not a mapping of keys', async () => {
    const { error } = await loadError('- bucket\n- region\n');

    expect(error.message).toContain("expected a mapping of keys like 'bucket: my-bucket'");
  });

  it('reports a missing file with its absolute path and how to fix it', async () => {
    const dir = await makeTempDir('config-file');
    const missing = path.join(dir, 'nope.yaml');

    const error = await loadConfigFile(missing).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `read config ${missing}: file not found; pass an existing YAML file with --config`,
    );
  });

  it('reports a folder given as the config file', async () => {
    const dir = await makeTempDir('config-file');

    await expect(loadConfigFile(dir)).rejects.toThrow(`read config ${dir}: is a folder`);
  });
});

describe('validateConfig', () => {
  it('returns no problems for a valid document', () => {
    expect(validateConfig({ bucket: 'b', force_path_style: false, max_concurrency: 8 })).toEqual([]);
  });

  it('returns one problem per invalid key', () => {
    expect(validateConfig({ bucket: '', force_path_style: 1, extra: true })).toHaveLength(3);
  });
});
