/**
 * The catalogue of bad input: every flag, config key and environment variable of an upload given a wrong type,
 * range or format. Each row runs the built CLI and must end with exit code 2, exactly one line on stderr that
 * names the flag, key or variable at fault, no stack trace, and nothing uploaded.
 * (test/integration/bad-input.test.ts walks through the everyday mistakes one by one; this is the full table.)
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';
import { listKeys } from './reliability-world.js';
import { deleteBucket } from './transfer-harness.js';

const PROJECT_KEY = 'CATALOG';

interface Row {
  /** What is wrong, for the test name. */
  name: string;
  /** Flags after the valid base flags (a later flag wins over the base one). */
  args?: string[];
  /** Config keys replacing or added to the valid base config; `undefined` removes a key. */
  config?: Record<string, unknown>;
  /** The whole config file text instead of the base config. */
  rawConfig?: string;
  /** The whole config file as bytes (an encoding under test) instead of the base config. */
  rawBytes?: Buffer;
  /** Variables for the CLI's environment. */
  env?: Record<string, string>;
  /** Drops `--project-key` from the base flags. */
  noProjectKey?: boolean;
  /** The text the one line must contain: the flag, key or variable at fault. */
  names: string;
}

/** Placeholders resolved per run: a file, a folder, a missing path. */
const A_FILE = '<a-file>';
const A_FOLDER = '<a-folder>';
const MISSING = '<missing>';

const FLAG_ROWS: Row[] = [
  { name: '--project-key missing', noProjectKey: true, names: '--project-key' },
  { name: '--project-key with a space and !', args: ['--project-key', 'bad key!'], names: '--project-key' },
  { name: '--project-key climbing out with ../', args: ['--project-key', '../etc'], names: '--project-key' },
  { name: '--config naming a folder', args: ['--config', A_FOLDER], names: '--config' },
  { name: '--folder naming a file', args: ['--folder', A_FILE], names: '--folder' },
  { name: '--folder-type unknown', args: ['--folder-type', 'videos'], names: '--folder-type' },
  { name: '--include with a typo', args: ['--include', 'reel'], names: '--include' },
  { name: '--exclude with a typo', args: ['--exclude', 'gis'], names: '--exclude' },
  {
    name: '--custom-timestamp in ISO format',
    args: ['--custom-timestamp', '2025-01-31'],
    names: '--custom-timestamp',
  },
  {
    name: '--custom-timestamp at minute 60',
    args: ['--custom-timestamp', '20250131_2460'],
    names: '--custom-timestamp',
  },
  { name: '--bucket with capitals and _', args: ['--bucket', 'Bad_Bucket'], names: 'bucket' },
  { name: '--bucket too short', args: ['--bucket', 'ab'], names: 'bucket' },
  { name: '--endpoint with ftp://', args: ['--endpoint', 'ftp://example.com'], names: 'endpoint' },
  { name: '--endpoint not a URL', args: ['--endpoint', 'not a url'], names: 'endpoint' },
  { name: '--region with spaces', args: ['--region', 'us east 1'], names: '--region' },
  {
    name: '--profile nobody has',
    args: ['--profile', 'no-such-profile'],
    env: { AWS_CONFIG_FILE: MISSING, AWS_SHARED_CREDENTIALS_FILE: MISSING },
    names: 'profile',
  },
  { name: '--max-concurrency not a number', args: ['--max-concurrency', 'abc'], names: '--max-concurrency' },
  { name: '--max-concurrency 0', args: ['--max-concurrency', '0'], names: '--max-concurrency' },
  { name: '--max-concurrency fractional', args: ['--max-concurrency', '1.5'], names: '--max-concurrency' },
  { name: '--max-memory not a size', args: ['--max-memory', 'abc'], names: '--max-memory' },
  { name: '--max-memory below 16MiB', args: ['--max-memory', '1MiB'], names: '--max-memory' },
  { name: '--max-memory unknown unit', args: ['--max-memory', '12XB'], names: '--max-memory' },
  { name: '--max-bandwidth not a rate', args: ['--max-bandwidth', 'fast'], names: '--max-bandwidth' },
  { name: '--max-bandwidth negative', args: ['--max-bandwidth', '-1MB/s'], names: '--max-bandwidth' },
  { name: '--socket-timeout not a duration', args: ['--socket-timeout', 'abc'], names: '--socket-timeout' },
  {
    name: '--socket-timeout 0 (would never fire)',
    args: ['--socket-timeout', '0'],
    names: '--socket-timeout',
  },
  {
    name: '--socket-timeout past the timer limit',
    args: ['--socket-timeout', '9999999'],
    names: '--socket-timeout',
  },
  { name: '--min-file-age not a duration', args: ['--min-file-age', 'abc'], names: '--min-file-age' },
  { name: '--min-file-age negative', args: ['--min-file-age', '-5'], names: '--min-file-age' },
  { name: '--min-file-age in weeks', args: ['--min-file-age', '1w'], names: '--min-file-age' },
  {
    name: '--status-interval not a duration',
    args: ['--status-interval', 'abc'],
    names: '--status-interval',
  },
  { name: '--status-interval 0 (a busy loop)', args: ['--status-interval', '0'], names: '--status-interval' },
  { name: '--log-csv naming a folder', args: ['--log-csv', A_FOLDER], names: '--log-csv' },
  { name: '--state-dir naming a file', args: ['--state-dir', A_FILE], names: '--state-dir' },
  { name: '--group-by unknown', args: ['--group-by', 'camera'], names: '--group-by' },
  { name: 'an unknown flag (a typo)', args: ['--max-concurency', '4'], names: '--max-concurency' },
  { name: 'a flag without its value', args: ['--max-concurrency'], names: '--max-concurrency' },
  { name: 'an unexpected argument', args: ['stray-argument'], names: 'argument' },
  {
    name: '--include from PowerShell with an unknown type',
    args: ['--include', 'config videos'],
    names: '--include videos: unknown folder type; use one of reels, config, gis_data, logs, report',
  },
  {
    name: '--timestamp with --custom-timestamp',
    args: ['--timestamp', '--custom-timestamp', '20250131_1430'],
    names: '--timestamp with --custom-timestamp',
  },
  {
    name: 'one type in --include and --exclude',
    args: ['--include', 'logs,config', '--exclude', 'LOGS'],
    names: '--include and --exclude both name logs',
  },
  {
    name: '--folder-type with --include of another type',
    args: ['--folder-type', 'logs', '--include', 'config'],
    names: '--folder-type logs with --include config',
  },
  { name: '--quiet with --json', args: ['--quiet', '--json'], names: '--quiet with --json' },
  { name: '--force with --verify', args: ['--force', '--verify'], names: '--force with --verify' },
  {
    name: 'check with --fix-settings (a check changes nothing)',
    args: ['check', '--fix-settings'],
    names:
      'check sends and changes nothing, so it takes no --fix-settings; run the upload with --fix-settings',
  },
  {
    name: 'check with --force',
    args: ['check', '--force'],
    names: 'check sends and changes nothing, so it takes no --force',
  },
  {
    name: '--max-bandwidth without a unit',
    args: ['--max-bandwidth', '20'],
    names: "--max-bandwidth: '20' has no unit",
  },
  {
    name: '--max-bandwidth bits or bytes',
    args: ['--max-bandwidth', '20mb/s'],
    names: "--max-bandwidth: '20mb/s' is ambiguous",
  },
  {
    name: '--log-csv with a carriage return from a script',
    args: ['--log-csv', path.join(os.tmpdir(), 'upload-log.csv\r')],
    names: '--log-csv contains a carriage return',
  },
];

const CONFIG_ROWS: Row[] = [
  { name: 'bucket a number', config: { bucket: 123 }, names: "'bucket'" },
  { name: 'bucket with capitals', config: { bucket: 'Survey_Bucket' }, names: 'bucket' },
  { name: 'region a list', config: { region: ['us-east-1'] }, names: "'region'" },
  { name: 'region with spaces', config: { region: 'eu west' }, names: 'region' },
  { name: 'endpoint_url a boolean', config: { endpoint_url: true }, names: "'endpoint_url'" },
  { name: 'endpoint_url with ftp://', config: { endpoint_url: 'ftp://example.com' }, names: 'endpoint' },
  { name: 'force_path_style a string', config: { force_path_style: 'yes' }, names: "'force_path_style'" },
  { name: 'prefix a mapping', config: { prefix: { a: 1 } }, names: "'prefix'" },
  { name: 'auth_mode unknown', config: { auth_mode: 'magic' }, names: "'auth_mode'" },
  {
    name: 'auth_mode config without a secret',
    config: { aws_secret_access_key: undefined },
    names: 'aws_secret_access_key',
  },
  { name: 'auth_mode profile without a profile', config: { auth_mode: 'profile' }, names: 'profile' },
  { name: 'aws_access_key_id a number', config: { aws_access_key_id: 42 }, names: "'aws_access_key_id'" },
  {
    name: 'aws_secret_access_key a list',
    config: { aws_secret_access_key: [] },
    names: "'aws_secret_access_key'",
  },
  { name: 'aws_session_token a number', config: { aws_session_token: 1 }, names: "'aws_session_token'" },
  { name: 'profile a boolean', config: { profile: true }, names: "'profile'" },
  { name: 'keyring_service empty', config: { keyring_service: '' }, names: "'keyring_service'" },
  { name: 'project_base a number', config: { project_base: 9 }, names: "'project_base'" },
  { name: 'max_concurrency a word', config: { max_concurrency: 'lots' }, names: 'max_concurrency' },
  { name: 'max_concurrency negative', config: { max_concurrency: -3 }, names: 'max_concurrency' },
  { name: 'max_concurrency 0', config: { max_concurrency: 0 }, names: 'max_concurrency' },
  { name: 'max_concurrency a list', config: { max_concurrency: [8] }, names: "'max_concurrency'" },
  { name: 'max_memory below 16MiB', config: { max_memory: '1KB' }, names: 'max_memory' },
  { name: 'max_memory a word', config: { max_memory: 'big' }, names: 'max_memory' },
  { name: 'max_bandwidth a word', config: { max_bandwidth: 'fast' }, names: 'max_bandwidth' },
  { name: 'max_bandwidth negative', config: { max_bandwidth: -1 }, names: 'max_bandwidth' },
  { name: 'socket_timeout a word', config: { socket_timeout: 'soon' }, names: 'socket_timeout' },
  { name: 'socket_timeout 0', config: { socket_timeout: 0 }, names: 'socket_timeout' },
  { name: 'socket_timeout a billion seconds', config: { socket_timeout: 1e9 }, names: 'socket_timeout' },
  { name: 'status_json a number', config: { status_json: 1 }, names: "'status_json'" },
  { name: 'status_interval 0', config: { status_interval: 0 }, names: "'status_interval'" },
  { name: 'status_interval a string', config: { status_interval: '5' }, names: "'status_interval'" },
  { name: 'status_interval a year', config: { status_interval: 31_536_000 }, names: 'status_interval' },
  { name: 'log_csv a boolean', config: { log_csv: false }, names: "'log_csv'" },
  { name: 'state_dir a list', config: { state_dir: [] }, names: "'state_dir'" },
  { name: 'min_file_age a word', config: { min_file_age: 'old' }, names: 'min_file_age' },
  { name: 'min_file_age negative', config: { min_file_age: -1 }, names: 'min_file_age' },
  { name: 'folder_types a list', config: { folder_types: [] }, names: "'folder_types'" },
  {
    name: 'folder_types with a space in a name',
    config: { folder_types: { 'bad name': ['.x'] } },
    names: "'folder_types'",
  },
  {
    name: 'folder_types with a string for a list',
    config: { folder_types: { reels: '.mp4' } },
    names: "'folder_types'",
  },
  {
    name: 'folder_types with numbers for extensions',
    config: { folder_types: { reels: [5] } },
    names: "'folder_types'",
  },
  { name: 'an unknown key (a typo)', config: { max_concurency: 4 }, names: "'max_concurency'" },
  {
    name: 'a key given twice',
    rawConfig: 'bucket: one\nregion: us-east-1\nbucket: two\n',
    names: "'bucket'",
  },
  { name: 'a list instead of a mapping', rawConfig: '- bucket\n- region\n', names: 'mapping' },
  { name: 'a tab for indentation', rawConfig: 'folder_types:\n\treels: [.mp4]\n', names: 'line 2' },
  {
    name: 'project_base "D:\\new\\reels" in double quotes',
    rawConfig: 'project_base: "D:\\new\\reels"\n',
    names:
      "project_base contains a newline (in double quotes YAML reads \\n as an escape); write the path in single quotes ('D:\\new\\reels')",
  },
  {
    name: 'project_base "D:\\Users\\me" in double quotes',
    rawConfig: 'project_base: "D:\\Users\\me"\n',
    names: 'in double quotes YAML reads \\ as an escape, so write Windows paths in single quotes',
  },
  {
    name: 'an ANSI (Windows-1252) file',
    rawBytes: Buffer.from('bucket: survey-data\nprofile: M\xfcller\n', 'latin1'),
    names: 'line 2 is not UTF-8 (byte 0xFC',
  },
  {
    name: 'max_bandwidth without a unit',
    config: { max_bandwidth: 20 },
    names: "max_bandwidth: '20' has no unit",
  },
  {
    name: 'several problems at once',
    config: { max_concurrency: 'lots', region: 'eu west', status_json: 'a\nb' },
    names: "3 problems: (1) region: 'eu west' is not a region",
  },
];

const ENV_ROWS: Row[] = [
  {
    name: 'UPLOAD_TO_S3_MAX_CONCURRENCY a word',
    env: { UPLOAD_TO_S3_MAX_CONCURRENCY: 'abc' },
    names: 'UPLOAD_TO_S3_MAX_CONCURRENCY',
  },
  {
    name: 'UPLOAD_TO_S3_MAX_BANDWIDTH a word',
    env: { UPLOAD_TO_S3_MAX_BANDWIDTH: 'fast' },
    names: 'UPLOAD_TO_S3_MAX_BANDWIDTH',
  },
  {
    name: 'AWS_REGION with spaces',
    config: { region: undefined },
    env: { AWS_REGION: 'us east' },
    names: 'AWS_REGION',
  },
  { name: 'UPLOAD_TO_S3_BUCKET with capitals', env: { UPLOAD_TO_S3_BUCKET: 'Bad_Bucket' }, names: 'bucket' },
  {
    name: 'AWS_ENDPOINT_URL_S3 not a URL',
    config: { endpoint_url: undefined },
    env: { AWS_ENDPOINT_URL_S3: 'notaurl' },
    names: "AWS_ENDPOINT_URL_S3 'notaurl': not an http(s) URL",
  },
];

let root: string;
let project: string;
let bucket: string;
let runNumber = 0;

beforeAll(async () => {
  bucket = await createTestBucket('bad-input-catalog');
  root = await makeTempDir('bad-input-catalog');
  project = path.join(root, 'project');
  await writeFiles(project, {
    'logs/capture.log': 'capture started\n',
    'config/project.yaml': 'project: CATALOG\n',
  });
  await writeFile(path.join(root, 'a-file.txt'), 'not a folder\n');
  await mkdir(path.join(root, 'a-folder'));
});

afterAll(async () => {
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

function baseConfig(): Record<string, unknown> {
  const env = getS3Env();
  return {
    bucket,
    ...testServerConfig(env),
  };
}

function resolvePlaceholder(value: string): string {
  if (value === A_FILE) return path.join(root, 'a-file.txt');
  if (value === A_FOLDER) return path.join(root, 'a-folder');
  if (value === MISSING) return path.join(root, 'missing', 'file');
  return value;
}

async function writeRowConfig(row: Row, dir: string): Promise<string> {
  const file = path.join(dir, 'config.yaml');
  if (row.rawBytes !== undefined) {
    await writeFile(file, row.rawBytes);
  } else if (row.rawConfig !== undefined) {
    await writeFile(file, row.rawConfig);
  } else {
    const values: Record<string, unknown> = { ...baseConfig(), ...row.config };
    for (const [key, value] of Object.entries(values)) if (value === undefined) delete values[key];
    await writeFile(file, stringify(values));
  }
  await chmod(file, 0o600);
  return file;
}

async function runRow(row: Row) {
  const dir = path.join(root, `row-${++runNumber}`);
  await mkdir(dir);
  const configPath = await writeRowConfig(row, dir);
  const base = [
    '--config',
    configPath,
    '--folder',
    project,
    ...(row.noProjectKey ? [] : ['--project-key', PROJECT_KEY]),
    '--state-dir',
    path.join(dir, 'state'),
  ];
  const env = Object.fromEntries(Object.entries(row.env ?? {}).map(([k, v]) => [k, resolvePlaceholder(v)]));
  return runCli([...base, ...(row.args ?? []).map(resolvePlaceholder)], { env, timeoutMs: 60_000 });
}

function expectOneLineUsageError(result: Awaited<ReturnType<typeof runCli>>, names: string): void {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(result.code, result.stderr).toBe(2);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^upload-to-s3: /);
  expect(lines[0]).toContain(names);
  expect(lines[0]).not.toMatch(/unexpected error/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe.concurrent('a wrong flag', () => {
  it.each(FLAG_ROWS)('$name: exit 2, one line naming $names', async (row) => {
    expectOneLineUsageError(await runRow(row), row.names);
  });
});

describe.concurrent('a wrong config key', () => {
  it.each(CONFIG_ROWS)('$name: exit 2, one line naming $names', async (row) => {
    expectOneLineUsageError(await runRow(row), row.names);
  });
});

describe.concurrent('a wrong environment variable', () => {
  it.each(ENV_ROWS)('$name: exit 2, one line naming $names', async (row) => {
    expectOneLineUsageError(await runRow(row), row.names);
  });
});

describe('what PowerShell and Windows editors send', () => {
  it('reads a UTF-16LE config (Out-File) and takes --include "Config logs" as two types, any case', async () => {
    const dir = path.join(root, `row-${++runNumber}`);
    await mkdir(dir);
    const configPath = path.join(dir, 'config.yaml');
    const yaml = stringify({ ...baseConfig(), max_bandwidth: '160Mbps' });
    await writeFile(configPath, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(yaml, 'utf16le')]));
    await chmod(configPath, 0o600);

    const result = await runCli(
      [
        ...['--config', configPath, '--folder', project, '--project-key', PROJECT_KEY],
        ...['--state-dir', path.join(dir, 'state'), '--include', 'Config logs', '--dry-run'],
      ],
      { timeoutMs: 60_000 },
    );

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^config\s+1\s/m);
    expect(result.stdout).toMatch(/^logs\s+1\s/m);
  });
});

describe('after the whole catalogue', () => {
  it('nothing was uploaded', async () => {
    expect(await listKeys(bucket, '')).toEqual([]);
  });
});
