import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfigFile, validateConfig } from '../../../src/config/config-file.js';
import { ConfigError } from '../../../src/errors.js';
import { makeTempDir, removeTempDirs, writeConfig } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** Loads `text` written verbatim as `config.yaml` in a fresh folder; returns the error it throws. */
async function loadError(text: string | Buffer): Promise<{ error: ConfigError; file: string }> {
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

  it('reports a collection used as a key as an unknown key, with no warning of its own from the YAML parser', async () => {
    const dir = await makeTempDir('config-file');
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, '? [bucket]\n: survey-data\n');
    const warnings: unknown[] = [];
    const collect = (warning: unknown): void => void warnings.push(warning);
    process.on('warning', collect);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const error = await loadConfigFile(file).catch((thrown: unknown) => thrown);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', collect);
    warn.mockRestore();

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("unknown key '[ bucket ]'");
    expect(warnings).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
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

  it('suggests the one known key an unknown key is a word of, as the endpoint is of endpoint_url', async () => {
    const { error } = await loadError('endpoint: http://127.0.0.1:9000\n');

    expect(error.message).toContain("unknown key 'endpoint' (did you mean 'endpoint_url'?)");
  });

  it('lists the known keys when an unknown key is close to none of them', async () => {
    const { error } = await loadError('completely_unrelated_setting: 1\n');

    expect(error.message).toMatch(
      /unknown key 'completely_unrelated_setting' \(known keys: bucket, region, .*folder_types, .*checksum_algorithm, .*expected_bucket_owner\)/,
    );
  });

  it.each([
    ['force_path_style: "yes"', "'force_path_style' must be true or false"],
    ['status_interval: -1', "'status_interval' must be a positive number"],
    ['status_interval: "fast"', "'status_interval' must be a positive number"],
    ['bucket: 42', "'bucket' must be a non-empty text value"],
    ['bucket: [a, b]', "'bucket' must be a non-empty text value"],
    ['max_concurrency: [8]', "'max_concurrency' must be a number or text"],
    ['auth_mode: password', "'auth_mode' must be one of config, instance, keyring, profile, not 'password'"],
    ['status_interval: "fast"', "'status_interval' must be a positive number, not 'fast'"],
    ['bucket: [a, b]', "'bucket' must be a non-empty text value; "],
    ['folder_types: [.mp4]', "'folder_types' must map folder type names to lists of extensions"],
    ['folder_types: {lidar: .las}', "'folder_types' entry 'lidar' must be a list of extensions"],
    ['folder_types: {"bad name": [.las]}', "'folder_types' has an invalid folder type name 'bad name'"],
    [
      'folder_types: {reels: []}',
      "'folder_types' entry 'reels' lists no extension, so none of its files would be uploaded; list them like [.mp4, .json], or leave the type out with --exclude reels",
    ],
  ])('rejects a value of the wrong type: %s', async (line, expected) => {
    const { error } = await loadError(`${line}\n`);

    expect(error.message).toContain(expected);
  });

  it.each([
    ['aws_secret_access_key: 12345678901234567890', 'aws_secret_access_key'],
    ['aws_session_token: 987654321', 'aws_session_token'],
  ])('never shows the value of a secret of the wrong type: %s', async (line, key) => {
    const { error } = await loadError(`${line}\n`);

    expect(error.message).toContain(`'${key}' must be a non-empty text value; `);
    expect(error.message).not.toMatch(/\d{6}/);
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

describe('loadConfigFile: encodings Windows editors and PowerShell write', () => {
  const TEXT = 'bucket: survey-data\r\nprofile: Müller\r\nproject_base: D:/Surveys\r\n';

  async function loadBytes(bytes: Buffer) {
    const dir = await makeTempDir('config-file');
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, bytes);
    return (await loadConfigFile(file)).values;
  }

  it.each([
    ['UTF-8', Buffer.from(TEXT)],
    ['UTF-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)])],
    [
      'UTF-16LE with a byte-order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]),
    ],
    [
      'UTF-16BE with a byte-order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(TEXT, 'utf16le').swap16()]),
    ],
  ])('reads a %s file with its accented letters intact', async (_name, bytes) => {
    const values = await loadBytes(bytes);

    expect(values.bucket).toBe('survey-data');
    expect(values.profile).toBe('Müller');
  });

  it('refuses an ANSI file instead of turning ü into U+FFFD, naming the file and the line', async () => {
    const { error, file } = await loadError(
      Buffer.from('bucket: survey-data\nprofile: M\xfcller\n', 'latin1'),
    );

    expect(error.message).toMatch(
      new RegExp(
        `^read config ${file.replace(/\\/g, '\\\\')}: line 2 is not UTF-8 \\(byte 0xFC: .*\\); save it as UTF-8`,
      ),
    );
    expect(error.message).not.toContain('\n');
  });
});

describe('loadConfigFile: Windows paths in YAML', () => {
  it('refuses project_base "D:\\new\\reels" (a newline from double quotes), showing the safe spelling', async () => {
    const { error, file } = await loadError('bucket: survey-data\nproject_base: "D:\\new\\reels"\n');

    expect(error.message).toBe(
      `config ${file}: project_base contains a newline (in double quotes YAML reads \\n as an escape); write the path in single quotes ('D:\\new\\reels') or with forward slashes; fix the file and run again`,
    );
  });

  it.each(['status_json', 'log_csv', 'state_dir', 'project_base'])(
    'refuses a control character in the path key %s',
    async (key) => {
      const { error } = await loadError(`${key}: "C:\\temp\\reels"\n`);

      expect(error.message).toContain(`${key} contains a tab (in double quotes YAML reads \\t as an escape)`);
    },
  );

  it('refuses a control character in any other text key without showing the value', async () => {
    const { error } = await loadError('aws_access_key_id: AKID\naws_secret_access_key: "s3cr3t\\tvalue"\n');

    expect(error.message).toContain('aws_secret_access_key contains a tab');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('reads single-quoted, unquoted and forward-slash Windows paths as written', async () => {
    const dir = await makeTempDir('config-file');
    const file = path.join(dir, 'config.yaml');
    await writeFile(
      file,
      "project_base: 'D:\\new\\reels'\nstate_dir: D:\\new\\state\nlog_csv: D:/new/log.csv\n",
    );

    const { values } = await loadConfigFile(file);

    // resolved against the config folder on this OS; the backslashes survive as typed
    expect(values.project_base).toContain('D:\\new\\reels');
    expect(values.state_dir).toContain('D:\\new\\state');
    expect(values.log_csv).toContain('D:/new/log.csv'.replace(/\//g, path.sep));
  });

  it('explains an unknown escape such as "D:\\Users" as a Windows path in double quotes', async () => {
    const { error } = await loadError('project_base: "D:\\Users\\surveyor"\n');

    expect(error.message).toMatch(
      /malformed YAML \(line 1: .*\); fix the syntax: in double quotes YAML reads \\ as an escape, so write Windows paths in single quotes \('D:\\data\\reels'\) or with forward slashes$/,
    );
  });
});

describe('examples/config.yaml', () => {
  const example = path.resolve(import.meta.dirname, '..', '..', '..', 'examples', 'config.yaml');

  it('loads without a problem', async () => {
    const { values } = await loadConfigFile(example);

    expect(values.bucket).toBe('my-survey-bucket');
  });

  it('shows Windows path forms that all read as the path typed, and one that is refused', async () => {
    const text = await readFile(example, 'utf8');
    const forms = [...text.matchAll(/^#\s+(project_base: .*?)\s{2,}\S.*$/gm)].map((match) => match[1] ?? '');
    const dir = await makeTempDir('config-file');
    const file = path.join(dir, 'config.yaml');
    const read: string[] = [];
    for (const form of forms) {
      await writeFile(file, `${form}\n`);
      read.push((await loadConfigFile(file)).values.project_base?.replace(/\\/g, '/') ?? '');
    }

    expect(forms).toHaveLength(3);
    expect(new Set(read).size).toBe(1);
    expect(read[0]).toMatch(/D:\/Surveys\/new reels$/);
    await writeFile(file, 'project_base: "D:\\new\\reels"\n');
    await expect(loadConfigFile(file)).rejects.toThrow(/project_base contains a newline/);
  });
});

describe('loadConfigFile: every problem in one pass', () => {
  it('reports type, value, path and key problems together, numbered, in one line naming the file', async () => {
    const { error, file } = await loadError(
      [
        'bucket: Survey_Data',
        'region: eu west',
        'max_concurrency: lots',
        'max_bandwidth: 20',
        'socket_timeout: 0',
        'project_base: "D:\\new\\reels"',
        'force_path_style: "yes"',
        'bukcet: typo',
      ].join('\n'),
    );

    expect(error.message).not.toContain('\n');
    expect(
      error.message.startsWith(
        `config ${file}: 8 problems: (1) bucket 'Survey_Data': not a valid S3 bucket name`,
      ),
    ).toBe(true);
    for (const expected of [
      "(2) region: 'eu west' is not a region",
      "(3) max_concurrency: 'lots' is not a concurrency",
      "(4) max_bandwidth: '20' has no unit",
      "(5) socket_timeout: '0' is out of range",
      '(6) project_base contains a newline',
      "(7) 'force_path_style' must be true or false",
      "(8) unknown key 'bukcet' (did you mean 'bucket'?)",
    ])
      expect(error.message).toContain(expected);
    expect(error.message).toMatch(/; fix the file and run again$/);
  });

  it('reports the values option resolution would refuse, with the file name, before anything runs', async () => {
    for (const [line, expected] of [
      ['endpoint_url: ftp://x', "endpoint_url 'ftp://x': not an http(s) URL"],
      ['max_memory: 1MiB', "max_memory: '1MiB' is too small"],
      ['status_interval: 100000', "status_interval: '100000' is out of range"],
      ['min_file_age: 1w', "min_file_age: '1w' is not a duration"],
      ['max_bandwidth: 20mb/s', "max_bandwidth: '20mb/s' is ambiguous"],
    ]) {
      const { error, file } = await loadError(`${line}\n`);
      expect(error.message.startsWith(`config ${file}: ${expected}`), error.message).toBe(true);
      expect(error.message).toMatch(/; fix the file and run again$/);
    }
  });

  it('refuses a secret key without its key id, and auth_mode config without both', async () => {
    expect((await loadError('aws_secret_access_key: abc\n')).error.message).toContain(
      'aws_secret_access_key is set without aws_access_key_id',
    );
    expect((await loadError('auth_mode: config\naws_access_key_id: AKID\n')).error.message).toContain(
      'auth_mode config: aws_access_key_id and aws_secret_access_key must both be set',
    );
  });

  it('refuses a folder type spelt like another but for case', async () => {
    expect((await loadError('folder_types:\n  Reels: [.mp4]\n')).error.message).toContain(
      "'folder_types' entry 'Reels' differs from 'reels' only in case (folder types match case-insensitively); use 'reels'",
    );
    expect((await loadError('folder_types:\n  lidar: [.las]\n  LIDAR: [.laz]\n')).error.message).toContain(
      "entry 'LIDAR' differs from 'lidar' only in case",
    );
  });

  it('treats keys named like object methods as unknown keys', async () => {
    expect((await loadError('toString: 1\n')).error.message).toContain("unknown key 'toString'");
  });
});

describe('validateConfig', () => {
  it('returns no problems for a valid document', () => {
    expect(validateConfig({ bucket: 'survey-data', force_path_style: false, max_concurrency: 8 })).toEqual(
      [],
    );
  });

  it('returns one problem per invalid key', () => {
    expect(validateConfig({ bucket: '', force_path_style: 1, extra: true })).toHaveLength(3);
  });
});
