import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../../src/config/config-file.js';
import {
  refusedRunStatusFile,
  resolveProjectBase,
  resolveRunOptions,
  type RunOptions,
  type UploadFlags,
} from '../../../src/config/run-options.js';
import { userConfigPath } from '../../../src/config/config-location.js';
import { ConfigError } from '../../../src/errors.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

const MiB = 1024 ** 2;
const NOW = new Date(2025, 0, 31, 14, 30, 12);
const ROOT = path.resolve('/surveys');

/** Flag overrides; `undefined` removes a flag, as when it is not given on the command line. */
type FlagOverrides = { [K in keyof UploadFlags]?: UploadFlags[K] | undefined };

/** Flags with the two every run needs; `overrides` win. */
function flags(overrides: FlagOverrides = {}): UploadFlags {
  const merged: Record<string, unknown> = {
    projectKey: 'RMI25320',
    folder: path.join(ROOT, 'RMI25320'),
    ...overrides,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged as unknown as UploadFlags;
}

/** An environment with nothing of ours in it, so the tests never read the developer's own variables. */
function env(values: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: '/home/surveyor', XDG_STATE_HOME: '/home/surveyor/.state', ...values };
}

const BASE_FILE: ConfigFile = { bucket: 'file-bucket' };

function resolve(f: FlagOverrides, file: ConfigFile = BASE_FILE, e: NodeJS.ProcessEnv = env()) {
  return resolveRunOptions(flags(f), file, e, NOW);
}

function resolveError(f: FlagOverrides, file: ConfigFile = BASE_FILE, e: NodeJS.ProcessEnv = env()): Error {
  try {
    resolve(f, file, e);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as Error;
  }
  throw new Error('expected resolveRunOptions to throw');
}

describe('resolveRunOptions precedence (flags > environment > config file > defaults)', () => {
  it('takes the bucket from --bucket over UPLOAD_TO_S3_BUCKET over the config file', () => {
    const e = env({ UPLOAD_TO_S3_BUCKET: 'env-bucket' });

    expect(resolve({ bucket: 'flag-bucket' }, BASE_FILE, e).bucket).toBe('flag-bucket');
    expect(resolve({}, BASE_FILE, e).bucket).toBe('env-bucket');
    expect(resolve({}, BASE_FILE).bucket).toBe('file-bucket');
  });

  it('ignores an empty environment variable', () => {
    expect(resolve({}, BASE_FILE, env({ UPLOAD_TO_S3_BUCKET: '' })).bucket).toBe('file-bucket');
  });

  it('takes the endpoint from --endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then endpoint_url', () => {
    const file = { ...BASE_FILE, endpoint_url: 'http://file:7480' };
    const both = env({
      AWS_ENDPOINT_URL_S3: 'http://s3-env:7480',
      AWS_ENDPOINT_URL: 'http://generic-env:7480',
    });

    expect(resolve({ endpoint: 'http://flag:7480' }, file, both).endpoint).toBe('http://flag:7480');
    expect(resolve({}, file, both).endpoint).toBe('http://s3-env:7480');
    expect(resolve({}, file, env({ AWS_ENDPOINT_URL: 'http://generic-env:7480' })).endpoint).toBe(
      'http://generic-env:7480',
    );
    expect(resolve({}, file).endpoint).toBe('http://file:7480');
    expect(resolve({}).endpoint).toBeUndefined();
  });

  it('drops trailing slashes from the endpoint', () => {
    expect(resolve({ endpoint: 'https://s3.example.com//' }).endpoint).toBe('https://s3.example.com');
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(resolveError({ endpoint: 's3.example.com' }).message).toBe(
      "--endpoint 's3.example.com': not an http(s) URL; use for example https://s3.example.com or http://127.0.0.1:7480",
    );
    expect(resolveError({ endpoint: 'ftp://s3.example.com' }).message).toMatch(/^--endpoint 'ftp:/);
  });

  it('uses path-style addressing with an endpoint unless the config says otherwise', () => {
    expect(resolve({}).forcePathStyle).toBe(false);
    expect(resolve({}, BASE_FILE, env({ AWS_ENDPOINT_URL: 'http://127.0.0.1:7480' })).forcePathStyle).toBe(
      true,
    );
    expect(
      resolve({ endpoint: 'http://127.0.0.1:7480' }, { ...BASE_FILE, force_path_style: false })
        .forcePathStyle,
    ).toBe(false);
    expect(resolve({}, { ...BASE_FILE, force_path_style: true }).forcePathStyle).toBe(true);
  });

  it('takes the region from --region, AWS_REGION, AWS_DEFAULT_REGION, the config, then us-east-1', () => {
    const file = { ...BASE_FILE, region: 'eu-north-1' };

    expect(resolve({ region: 'ap-south-1' }, file, env({ AWS_REGION: 'eu-west-1' })).region).toBe(
      'ap-south-1',
    );
    expect(resolve({}, file, env({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' })).region).toBe(
      'eu-west-1',
    );
    expect(resolve({}, file, env({ AWS_DEFAULT_REGION: 'eu-west-2' })).region).toBe('eu-west-2');
    expect(resolve({}, file).region).toBe('eu-north-1');
    expect(resolve({}).region).toBe('us-east-1');
  });

  it('takes the concurrency from the flag, UPLOAD_TO_S3_MAX_CONCURRENCY, the config, then 16', () => {
    const file = { ...BASE_FILE, max_concurrency: 3 };
    const e = env({ UPLOAD_TO_S3_MAX_CONCURRENCY: '5' });

    expect(resolve({ maxConcurrency: '7' }, file, e).maxConcurrency).toBe(7);
    expect(resolve({}, file, e).maxConcurrency).toBe(5);
    expect(resolve({}, file).maxConcurrency).toBe(3);
    expect(resolve({}).maxConcurrency).toBe(16);
  });

  it('takes the state folder from --state-dir, UPLOAD_TO_S3_STATE_DIR, the config, then the per-user default', () => {
    const file = { ...BASE_FILE, state_dir: '/from/file' };
    const e = env({ UPLOAD_TO_S3_STATE_DIR: '/from/env' });

    expect(resolve({ stateDir: '/from/flag' }, file, e).stateDir).toBe(path.resolve('/from/flag'));
    expect(resolve({}, file, e).stateDir).toBe(path.resolve('/from/env'));
    expect(resolve({}, file).stateDir).toBe(path.resolve('/from/file'));
    if (process.platform === 'linux') {
      expect(resolve({}).stateDir).toBe('/home/surveyor/.state/upload-to-s3');
    }
  });

  it('puts the status file and the CSV log in the state folder per bucket and project by default', () => {
    const options = resolve({ stateDir: '/state' });

    expect(options.statusJson).toBe(path.resolve('/state/runs/file-bucket/RMI25320/status.json'));
    expect(options.logCsv).toBe(path.resolve('/state/runs/file-bucket/RMI25320/upload-log.csv'));
  });

  it('names the status file of a refused run where the run would have written it', () => {
    const refused = { stateDir: '/state', include: ['nonsuch'] };

    expect(() => resolve(refused)).toThrow(ConfigError);
    expect(refusedRunStatusFile(flags(refused), BASE_FILE, env())).toBe(
      resolve({ stateDir: '/state' }).statusJson,
    );
    expect(
      refusedRunStatusFile(flags({ ...refused, statusJson: '/elsewhere/s.json' }), BASE_FILE, env()),
    ).toBe(path.resolve('/elsewhere/s.json'));
  });

  it('names no status file for a refused dry run, nor when the settings name no bucket or no project key', () => {
    expect(refusedRunStatusFile(flags({ dryRun: true }), BASE_FILE, env())).toBeUndefined();
    expect(refusedRunStatusFile(flags(), {}, env())).toBeUndefined();
    expect(refusedRunStatusFile(flags({ projectKey: '../up' }), BASE_FILE, env())).toBeUndefined();
  });

  it('puts the default CSV log beside a status file given by flag', () => {
    const options = resolve({ stateDir: '/state', statusJson: '/elsewhere/status.json' });

    expect(options.statusJson).toBe(path.resolve('/elsewhere/status.json'));
    expect(options.logCsv).toBe(path.resolve('/elsewhere/upload-log.csv'));
  });

  it('takes the status file and CSV log from flags over environment over config', () => {
    const file = { ...BASE_FILE, status_json: '/file/status.json', log_csv: '/file/log.csv' };
    const e = env({ UPLOAD_TO_S3_STATUS_JSON: '/env/status.json', UPLOAD_TO_S3_LOG_CSV: '/env/log.csv' });

    const fromFlags = resolve({ statusJson: '/flag/status.json', logCsv: '/flag/log.csv' }, file, e);
    const fromEnv = resolve({}, file, e);
    const fromFile = resolve({}, file);

    expect([fromFlags.statusJson, fromFlags.logCsv]).toEqual([
      path.resolve('/flag/status.json'),
      path.resolve('/flag/log.csv'),
    ]);
    expect([fromEnv.statusJson, fromEnv.logCsv]).toEqual([
      path.resolve('/env/status.json'),
      path.resolve('/env/log.csv'),
    ]);
    expect([fromFile.statusJson, fromFile.logCsv]).toEqual([
      path.resolve('/file/status.json'),
      path.resolve('/file/log.csv'),
    ]);
  });

  it('takes the bandwidth limit from the flag, UPLOAD_TO_S3_MAX_BANDWIDTH, the config, then unlimited', () => {
    const file = { ...BASE_FILE, max_bandwidth: '1MB/s' };
    const e = env({ UPLOAD_TO_S3_MAX_BANDWIDTH: '2MB/s' });

    const rate = (options: RunOptions) => options.bandwidth.entries.map((entry) => entry.bytesPerSecond);
    expect(rate(resolve({ maxBandwidth: '3MB/s' }, file, e))).toEqual([3_000_000]);
    expect(rate(resolve({}, file, e))).toEqual([2_000_000]);
    expect(rate(resolve({}, file))).toEqual([1_000_000]);
    expect(rate(resolve({}))).toEqual([0]);
    const office = { ...BASE_FILE, max_bandwidth: 'Mon-08:00,1MB/s Fri-18:00,off' };
    expect(rate(resolve({}, office))).toEqual([1_000_000, 0]);
  });

  it('takes the memory budget from the flag, the config, then 64MiB, and refuses less than 16MiB', () => {
    expect(resolve({ maxMemory: '512MiB' }, { ...BASE_FILE, max_memory: '64MiB' }).maxMemoryBytes).toBe(
      512 * MiB,
    );
    expect(resolve({}, { ...BASE_FILE, max_memory: '64MiB' }).maxMemoryBytes).toBe(64 * MiB);
    expect(resolve({}).maxMemoryBytes).toBe(64 * MiB);
    expect(resolveError({ maxMemory: '8MiB' }).message).toBe(
      "--max-memory: '8MiB' is too small; allow at least 16MiB",
    );
  });

  it('takes the status interval from the flag, the config, then 2 seconds, in milliseconds', () => {
    expect(resolve({ statusInterval: '5' }, { ...BASE_FILE, status_interval: 10 }).statusIntervalMs).toBe(
      5000,
    );
    expect(resolve({}, { ...BASE_FILE, status_interval: 10 }).statusIntervalMs).toBe(10_000);
    expect(resolve({}).statusIntervalMs).toBe(2000);
  });

  it('takes the key prefix from the config, normalised', () => {
    expect(resolve({}, { ...BASE_FILE, prefix: '/field-data' }).prefix).toBe('field-data/');
    expect(resolve({}).prefix).toBe('');
  });
});

describe('resolveRunOptions timestamps', () => {
  it('leaves out the timestamp unless asked for', () => {
    expect(resolve({}).timestamp).toBeUndefined();
  });

  it('uses the current local minute for --timestamp', () => {
    expect(resolve({ timestamp: true }).timestamp).toBe('20250131_1430');
  });

  it('uses --custom-timestamp as given', () => {
    expect(resolve({ customTimestamp: '20240229_0900' }).timestamp).toBe('20240229_0900');
  });

  it('refuses --timestamp with --custom-timestamp instead of letting one win', () => {
    expect(resolveError({ timestamp: true, customTimestamp: '20240229_0900' }).message).toBe(
      '--timestamp with --custom-timestamp: both name the timestamp folder; use --timestamp for now or --custom-timestamp for a fixed one',
    );
  });

  it('rejects a --custom-timestamp that is no real date', () => {
    expect(resolveError({ customTimestamp: '20250230_1200' }).message).toContain(
      "--custom-timestamp: '20250230_1200' is not a real date and time",
    );
  });
});

describe('resolveRunOptions credentials', () => {
  const keys = { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'secret' };

  it('infers auth mode config when the file holds keys', () => {
    expect(resolve({}, { ...BASE_FILE, ...keys }).auth).toMatchObject({
      mode: 'config',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
    });
  });

  it('infers auth mode instance when the file holds no keys', () => {
    expect(resolve({}).auth.mode).toBe('instance');
  });

  it('uses auth mode profile for --profile, whatever the file says', () => {
    const auth = resolve(
      { profile: 'survey' },
      { ...BASE_FILE, ...keys, auth_mode: 'config', profile: 'other' },
    ).auth;

    expect(auth.mode).toBe('profile');
    expect(auth.profile).toBe('survey');
  });

  it('follows an explicit auth_mode over the inference from keys', () => {
    expect(resolve({}, { ...BASE_FILE, ...keys, auth_mode: 'instance' }).auth.mode).toBe('instance');
  });

  it('refuses auth mode config without both keys', () => {
    const error = resolveError({}, { ...BASE_FILE, auth_mode: 'config', aws_access_key_id: 'AKIDEXAMPLE' });

    expect(error.message).toMatch(
      /^auth_mode config: aws_access_key_id and aws_secret_access_key must both be set/,
    );
  });

  it('refuses auth mode profile without a profile name', () => {
    expect(resolveError({}, { ...BASE_FILE, auth_mode: 'profile' }).message).toMatch(
      /^auth_mode profile: no profile named/,
    );
  });

  it('takes the keyring service from UPLOAD_TO_S3_KEYRING_SERVICE over the config, then upload-to-s3', () => {
    const file = { ...BASE_FILE, auth_mode: 'keyring' as const, keyring_service: 'from-file' };

    expect(resolve({}, file, env({ UPLOAD_TO_S3_KEYRING_SERVICE: 'from-env' })).auth.keyringService).toBe(
      'from-env',
    );
    expect(resolve({}, file).auth.keyringService).toBe('from-file');
    expect(resolve({}, { ...BASE_FILE, auth_mode: 'keyring' }).auth.keyringService).toBe('upload-to-s3');
  });
});

describe('resolveRunOptions required values', () => {
  it('reports a missing bucket with the flag and the config key to set', () => {
    expect(() => resolveRunOptions(flags({}), {}, env(), NOW, '/surveys/config.yaml')).toThrow(
      new ConfigError(
        '--bucket: no bucket given; pass --bucket NAME, set UPLOAD_TO_S3_BUCKET, or set bucket in the config',
      ),
    );
  });

  it('says where a config is looked for when none was read', () => {
    expect(resolveError({}, {}, env({ XDG_CONFIG_HOME: '/home/crew/.config' })).message).toBe(
      `--bucket: no bucket given; pass --bucket NAME, set UPLOAD_TO_S3_BUCKET, or set bucket in a config (none was read: --config FILE, or ${userConfigPath({ XDG_CONFIG_HOME: '/home/crew/.config' })})`,
    );
  });

  it('rejects a bucket name S3 would refuse', () => {
    expect(resolveError({ bucket: 'Survey_Data' }).message).toMatch(
      /^bucket 'Survey_Data': not a valid S3 bucket name/,
    );
  });

  it('takes an s3:// URL or a name with a key prefix apart, saying what to write for each setting', () => {
    expect(resolveError({ bucket: 's3://survey-archive' }).message).toBe(
      "bucket 's3://survey-archive': a bucket is its name alone, not an s3:// URL; write survey-archive",
    );
    expect(resolveError({ bucket: 's3://survey-archive/field/RMI/' }).message).toBe(
      "bucket 's3://survey-archive/field/RMI/': a bucket is its name alone, not an s3:// URL; write bucket: survey-archive and prefix: field/RMI/ in the config",
    );
    expect(resolveError({ bucket: 'survey-archive/' }).message).toBe(
      "bucket 'survey-archive/': a bucket is its name alone; write survey-archive",
    );
    expect(resolveError({ bucket: 's3://Survey_Data' }).message).toMatch(/not a valid S3 bucket name/);
  });

  it('refuses an Amazon S3 directory bucket by its name, and takes the same name on another server', () => {
    expect(resolveError({ bucket: 'surveys--usw2-az1--x-s3' }).message).toBe(
      "bucket 'surveys--usw2-az1--x-s3' is a directory bucket (S3 Express One Zone), which upload-to-s3 does not write to: its ETags are no MD5s and it takes no Content-MD5; use a general purpose bucket",
    );
    const endpoint = 'http://127.0.0.1:7480';
    expect(resolve({ bucket: 'surveys--usw2-az1--x-s3', endpoint }).bucket).toBe('surveys--usw2-az1--x-s3');
  });

  it('reports a missing folder, where it looked, and the flag and the config key to set', () => {
    expect(resolveError({ folder: undefined }).message).toMatch(
      /^--folder: no folder given, and the current folder '.+' is not in project RMI25320's \(none named RMI25320 here or above, no RMI25320 folder in it\); pass --folder PATH or set project_base in the config$/,
    );
  });

  it('rejects a project key with a slash', () => {
    expect(resolveError({ projectKey: 'RMI/25320' }).message).toMatch(
      /^--project-key: 'RMI\/25320' is not a project key/,
    );
  });

  it('takes the folder from --folder over UPLOAD_TO_S3_FOLDER over project_base', () => {
    const file = { ...BASE_FILE, project_base: '/from/file' };

    expect(resolve({ folder: '/from/flag' }, file, env({ UPLOAD_TO_S3_FOLDER: '/from/env' })).folder).toBe(
      path.resolve('/from/flag'),
    );
    expect(resolve({ folder: undefined }, file, env({ UPLOAD_TO_S3_FOLDER: '/from/env' })).folder).toBe(
      path.resolve('/from/env'),
    );
    expect(resolve({ folder: undefined }, file).folder).toBe(path.resolve('/from/file'));
  });
});

describe('resolveProjectBase', () => {
  it('uses an absolute folder as it is', () => {
    expect(resolveProjectBase(path.resolve('/data/reels'), '/projects', 'RMI25320')).toBe(
      path.resolve('/data/reels'),
    );
  });

  it('looks a relative folder up inside project_base', () => {
    expect(resolveProjectBase('reels', path.resolve('/projects/RMI25320'), 'RMI25320')).toBe(
      path.resolve('/projects/RMI25320/reels'),
    );
  });

  it('resolves a relative folder against the working folder without project_base', () => {
    expect(resolveProjectBase('reels', undefined, 'RMI25320')).toBe(path.resolve('reels'));
  });

  it('uses project_base itself without a folder, or its folder named after the key', async () => {
    const surveys = await makeTempDir('project-base');
    expect(resolveProjectBase(undefined, surveys, 'RMI25320')).toBe(surveys);

    await mkdir(path.join(surveys, 'RMI25320'));
    expect(resolveProjectBase(undefined, surveys, 'RMI25320')).toBe(path.join(surveys, 'RMI25320'));
  });

  it('without folder or project_base, takes the working folder named after the key, in any case', async () => {
    const project = path.join(await makeTempDir('cwd-named'), 'rmi25320');
    await mkdir(project);

    expect(resolveProjectBase(undefined, undefined, 'RMI25320', project)).toBe(project);
  });

  it('without folder or project_base, takes the nearest folder above the working one named after the key', async () => {
    const project = path.join(await makeTempDir('cwd-inside'), 'RMI25320');
    await mkdir(path.join(project, 'reels', 'R001'), { recursive: true });

    expect(resolveProjectBase(undefined, undefined, 'RMI25320', path.join(project, 'reels', 'R001'))).toBe(
      project,
    );
  });

  it("without folder or project_base, takes the working folder's folder named after the key", async () => {
    const survey = await makeTempDir('cwd-parent');
    await mkdir(path.join(survey, 'RMI25320'));

    expect(resolveProjectBase(undefined, undefined, 'RMI25320', survey)).toBe(path.join(survey, 'RMI25320'));
  });

  it('does not take any other working folder for the project, nor a file named after the key', async () => {
    const home = await makeTempDir('cwd-other');
    await mkdir(path.join(home, 'logs'));
    await writeFile(path.join(home, 'RMI25320'), 'not a folder');

    expect(() => resolveProjectBase(undefined, undefined, 'RMI25320', home)).toThrow(
      `--folder: no folder given, and the current folder '${home}' is not in project RMI25320's`,
    );
  });
});

describe('resolveRunOptions folder types', () => {
  it('hands the collector canonical names, whatever the case and separators', () => {
    const options = resolve({ include: ['Config Logs'], exclude: ['REELS'] });

    expect(options.include).toEqual(['config', 'logs']);
    expect(options.exclude).toEqual(['reels']);
  });

  it('knows the folder types the config adds', () => {
    expect(
      resolve({ folderType: 'lidar' }, { ...BASE_FILE, folder_types: { LiDAR: ['.las'] } }).folderType,
    ).toBe('LiDAR');
  });

  it('refuses an unknown type before anything else runs', () => {
    expect(resolveError({ include: ['videos'] }).message).toMatch(/^--include videos: unknown folder type; /);
  });
});

describe('resolveRunOptions conflicting flags and control characters', () => {
  it('refuses --quiet with --json', () => {
    expect(resolveError({ quiet: true, json: true }).message).toMatch(/^--quiet with --json: /);
  });

  it('refuses a newline in --state-dir', () => {
    expect(resolveError({ stateDir: '/tmp/state\n' }).message).toMatch(/^--state-dir contains a newline; /);
  });

  it('names the variable an endpoint that is no URL came from', () => {
    const e = env({ AWS_ENDPOINT_URL_S3: '127.0.0.1:7611' });

    expect(resolveError({}, BASE_FILE, e).message).toMatch(
      /^AWS_ENDPOINT_URL_S3 '127\.0\.0\.1:7611': not an http/,
    );
  });

  it('refuses an endpoint the URL parser would silently strip a newline from', () => {
    const e = env({ AWS_ENDPOINT_URL: 'http://127.0.0.1:7480\n' });

    expect(resolveError({}, BASE_FILE, e).message).toMatch(
      /^AWS_ENDPOINT_URL 'http:\/\/127\.0\.0\.1:7480\\u000a': not an http\(s\) URL/,
    );
  });
});
