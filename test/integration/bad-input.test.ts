/**
 * Bad input, run through the built CLI against a real S3 server: each kind ends with its documented exit code
 * (2 for usage, config and credentials, uploading nothing; 1 for files that fail) and one line on stderr that
 * names the problem, never a stack trace.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObjectBytes, listAllObjects } from '../support/bucket.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, getS3Env, makeBucketName, testServerConfig } from '../support/s3-env.js';

const PROJECT_KEY = 'RMI25320';
const EXIT_FILES_FAILED = 1;
const EXIT_USAGE = 2;

let root: string;
let project: string;
let bucket: string;

beforeAll(async () => {
  bucket = await createTestBucket('bad-input');
  root = await makeTempDir('bad-input');
  project = path.join(root, 'project');
  await writeFiles(project, {
    'reels/R001/R001.json': '{"reel":"R001"}',
    'config/project.yaml': 'project: RMI25320\n',
    'logs/capture.log': 'capture started\n',
  });
});

afterAll(removeTempDirs);

/** Writes a config for the test server; `overrides` replace or add keys. Readable by the owner only. */
async function writeTestConfig(name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const env = getS3Env();
  const file = await writeConfig(
    root,
    {
      bucket,
      ...testServerConfig(env),
      ...overrides,
    },
    `${name}.yaml`,
  );
  await chmod(file, 0o600);
  return file;
}

/** Runs the upload with its own state folder; `args` come after --project-key. */
async function upload(configPath: string, args: string[]): Promise<CliResult> {
  const stateDir = await makeTempDir('bad-input-state');
  return runCli(['--config', configPath, '--project-key', PROJECT_KEY, ...args, '--state-dir', stateDir]);
}

/** stderr holds exactly one line, no stack trace, and it matches `pattern`. */
function expectOneLineError(result: CliResult, pattern: RegExp): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(result.stderr).not.toMatch(/^ {4}at /m);
  expect(lines, `stderr:\n${result.stderr}`).toHaveLength(1);
  const [line = ''] = lines;
  expect(line).toMatch(pattern);
  return line;
}

/** A usage/config/credentials error: exit 2, one line starting `upload-to-s3: `, and an untouched bucket. */
async function expectUsageError(result: CliResult, pattern: RegExp): Promise<void> {
  expect(result.code, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(EXIT_USAGE);
  const line = expectOneLineError(result, pattern);
  expect(line.startsWith('upload-to-s3: ')).toBe(true);
  expect(await listAllObjects(bucket)).toEqual([]);
}

describe('bad input', () => {
  it('a missing config file: exit 2, naming the file', async () => {
    const missing = path.join(root, 'no-such-config.yaml');

    const result = await upload(missing, ['--folder', project]);

    await expectUsageError(
      result,
      new RegExp(`read config ${missing}: file not found; pass an existing YAML file with --config$`),
    );
  });

  it('malformed YAML: exit 2, naming the file', async () => {
    const file = path.join(root, 'malformed.yaml');
    await writeFile(file, 'bucket: [bad-input\nregion: us-east-1\n', { mode: 0o600 });

    const result = await upload(file, ['--folder', project]);

    await expectUsageError(
      result,
      new RegExp(`parse config ${file}: malformed YAML \\(.+\\); fix the syntax$`),
    );
  });

  it('an unknown config key: exit 2, naming the key and the likely one', async () => {
    const file = await writeTestConfig('unknown-key', { bukcet: 'typo' });

    const result = await upload(file, ['--folder', project]);

    await expectUsageError(
      result,
      new RegExp(`config ${file}: unknown key 'bukcet' \\(did you mean 'bucket'\\?\\)`),
    );
  });

  it('a --custom-timestamp that is no real date: exit 2, naming the flag and value', async () => {
    const file = await writeTestConfig('timestamp');

    const result = await upload(file, ['--folder', project, '--custom-timestamp', '20250230_1200']);

    await expectUsageError(
      result,
      /--custom-timestamp: '20250230_1200' is not a real date and time; use YYYYMMDD_HHMM$/,
    );
  });

  it('an unknown folder type in --include: exit 2, listing the known types', async () => {
    const file = await writeTestConfig('unknown-type');

    const result = await upload(file, ['--folder', project, '--include', 'config', 'videos']);

    await expectUsageError(
      result,
      /--include videos: unknown folder type; use one of reels, config, gis_data, logs, report/,
    );
  });

  it('no credentials anywhere: exit 2, naming where they were looked for and every way to give them', async () => {
    const file = await writeTestConfig('no-credentials', {
      auth_mode: undefined,
      aws_access_key_id: undefined,
      aws_secret_access_key: undefined,
    });
    const emptyHome = await makeTempDir('bad-input-home');
    const stateDir = await makeTempDir('bad-input-state');

    const result = await runCli(
      ['--config', file, '--project-key', PROJECT_KEY, '--folder', project, '--state-dir', stateDir],
      {
        env: {
          HOME: emptyHome,
          USERPROFILE: emptyHome,
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_SESSION_TOKEN: undefined,
          AWS_PROFILE: undefined,
          AWS_SHARED_CREDENTIALS_FILE: path.join(emptyHome, 'credentials'),
          AWS_CONFIG_FILE: path.join(emptyHome, 'config'),
          AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
          AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
          // the instance metadata service is not on 127.0.0.1: it must not be asked
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );

    await expectUsageError(
      result,
      /credentials from the AWS default chain: .+; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or in the config set auth_mode config with keys, or auth_mode keyring after upload-to-s3 credentials set$/,
    );
  });

  it('a --folder that does not exist: exit 2, naming the path', async () => {
    const file = await writeTestConfig('missing-folder');
    const missing = path.join(root, 'no-such-project');

    const result = await upload(file, ['--folder', missing]);

    await expectUsageError(result, new RegExp(`--folder ${missing}: no such folder`));
  });

  it('a project with no file to upload: exit 2, naming the folder and the types looked at', async () => {
    const file = await writeTestConfig('empty');
    const empty = path.join(root, 'empty-project');
    await writeFiles(empty, { 'reels/R001/R001.mp4.tmp': 'partial', 'logs/core.dmp': 'x' });
    await mkdir(path.join(empty, 'report'));

    const result = await upload(file, ['--folder', empty]);

    await expectUsageError(
      result,
      new RegExp(`plan ${empty}: no files to upload in reels, logs, report; check --folder`),
    );
  });

  it('a wrong secret key: exit 2, saying the secret key does not match (signature)', async () => {
    const file = await writeTestConfig('wrong-secret', {
      aws_secret_access_key: 'not-the-secret-key-0000000000000000000000',
    });

    const result = await upload(file, ['--folder', project]);

    await expectUsageError(
      result,
      new RegExp(`open bucket ${bucket}: .*SignatureDoesNotMatch.*the secret key is wrong`),
    );
    expect(result.stderr).not.toContain('not-the-secret-key');
  });

  it('a bucket that does not exist: exit 2, naming the bucket', async () => {
    const missingBucket = makeBucketName('bad-input-missing');
    const file = await writeTestConfig('missing-bucket', { bucket: missingBucket });

    const result = await upload(file, ['--folder', project]);

    await expectUsageError(
      result,
      new RegExp(`open bucket ${missingBucket}: .*NoSuchBucket.*create the bucket`),
    );
  });

  it('a file that cannot be read, even by root (a broken link): exit 1, naming it; the rest is uploaded', async (context) => {
    if (process.platform === 'win32')
      context.skip('on Windows symbolic links need administrator rights or Developer Mode');
    const ownBucket = await createTestBucket('bad-input-unreadable');
    const file = await writeTestConfig('unreadable', { bucket: ownBucket });
    const withBrokenLink = path.join(root, 'broken-link-project');
    await writeFiles(withBrokenLink, { 'reels/R001/R001.json': '{"reel":"R001"}' });
    const link = path.join(withBrokenLink, 'reels', 'R001', 'R001.mp4');
    await symlink(path.join(root, 'camera-disk', 'R001.mp4'), link);

    const result = await upload(file, ['--folder', withBrokenLink]);

    expect(result.code, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(EXIT_FILES_FAILED);
    expectOneLineError(result, new RegExp(`${link}.*broken symbolic link, its target does not exist`));
    const keys = (await listAllObjects(ownBucket)).map((o) => o.key);
    expect(keys).toEqual([`${PROJECT_KEY}/reels/R001/R001.json`]);
    expect((await getObjectBytes(ownBucket, keys[0] ?? '')).toString()).toBe('{"reel":"R001"}');
  });
});
