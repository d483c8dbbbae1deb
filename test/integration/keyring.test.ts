/**
 * Issue 6: credentials kept in the OS keyring, end to end. The built CLI stores a key pair in a real Linux
 * Secret Service (gnome-keyring in a private D-Bus session, unlocked with a test password, under a throwaway
 * HOME), an upload with `auth_mode: keyring` reads it and reaches Ceph RGW, and every failure on the way is one
 * line with exit code 2. No output of any step may contain a secret.
 *
 * Each keyring step runs in its own `dbus-run-session`, so the entry must outlive the session in the HOME's
 * ~/.local/share/keyrings, as it does for a user between logins. Without dbus-run-session or
 * gnome-keyring-daemon those tests skip locally and fail under CI=true (.ci/run installs both).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { appendFile, chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { getObjectBytes, listAllObjects } from '../support/bucket.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { buildCliEnv, CLI_PATH, PROJECT_ROOT, runCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, getS3Env, makeTestClient, type S3Env } from '../support/s3-env.js';

const SERVICE = 'upload-to-s3-keyring-test';
const KEYRING_PASSWORD = 'keyring-test-password';
const PROJECT_KEY = 'KEYRING01';
const STEP_TIMEOUT_MS = 120_000;

// The first --unlock of a fresh HOME creates the login keyring with this password; later ones open it.
const UNLOCK_AND_RUN =
  'printf %s "$KEYRING_TEST_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';

const missingTools = ['dbus-run-session', 'gnome-keyring-daemon'].filter((name) => !isOnPath(name));
const keyringUnavailable =
  missingTools.length > 0
    ? `needs ${missingTools.join(' and ')} for a Secret Service (apt-get install dbus gnome-keyring)`
    : undefined;

let s3: S3Env;
afterAll(removeTempDirs);
beforeAll(() => {
  s3 = getS3Env();
});

function isOnPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Skips the test when the keyring tools are missing, except in CI, which installs them and must run it. */
function requireKeyringTools(context: TestContext): void {
  if (!keyringUnavailable) return;
  if (process.env.CI === 'true') {
    throw new Error(`keyring test ${keyringUnavailable}; CI must install them (.ci/run APT_PACKAGES)`);
  }
  context.skip(keyringUnavailable);
}

/**
 * A HOME and XDG_RUNTIME_DIR of our own, so neither a developer's keyring nor a session bus of the machine is
 * ever touched, and credentials can come from nowhere but the keyring (no AWS_* keys, no profile, no test keys).
 */
async function makeIsolatedEnv(): Promise<Record<string, string | undefined>> {
  const root = await makeTempDir('keyring-home');
  const home = path.join(root, 'home');
  const runtimeDir = path.join(root, 'run');
  await mkdir(home);
  await mkdir(runtimeDir, { mode: 0o700 });
  return {
    HOME: home,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_DATA_HOME: undefined,
    XDG_CONFIG_HOME: undefined,
    XDG_CACHE_HOME: undefined,
    DBUS_SESSION_BUS_ADDRESS: undefined,
    DISPLAY: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    S3_TEST_ACCESS_KEY: undefined,
    S3_TEST_SECRET_KEY: undefined,
    UPLOAD_TO_S3_KEYRING_SERVICE: undefined,
  };
}

/** Runs the CLI inside a fresh D-Bus session whose gnome-keyring is unlocked with the test password. */
function runInKeyringSession(
  env: Record<string, string | undefined>,
  args: readonly string[],
  input?: string,
): Promise<CliResult> {
  const child = spawn(
    'dbus-run-session',
    ['--', 'sh', '-c', UNLOCK_AND_RUN, 'sh', process.execPath, CLI_PATH, ...args],
    { cwd: PROJECT_ROOT, env: buildCliEnv({ ...env, KEYRING_TEST_PASSWORD: KEYRING_PASSWORD }) },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, STEP_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * The CLI's own error lines. dbus-daemon and gnome-keyring add lines of their own to stderr (fd limit notices,
 * service activation), which are not the CLI's to control.
 */
function cliErrorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('upload-to-s3:'));
}

/** Asserts a failure the way a user meets it: exit 2, exactly one error line, no stack trace. */
function expectOneLineFailure(result: CliResult): string {
  const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.code, output).toBe(2);
  expect(result.stderr, output).not.toMatch(/^\s+at\s/m);
  const lines = cliErrorLines(result.stderr);
  expect(lines, output).toHaveLength(1);
  return lines[0] ?? '';
}

function expectSuccess(result: CliResult): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
}

/** Fails naming the step whose stdout or stderr shows any of `secrets`. */
function expectNoSecretPrinted(steps: Record<string, CliResult>, secrets: readonly string[]): void {
  for (const [step, result] of Object.entries(steps)) {
    for (const secret of secrets) {
      expect(result.stdout, `${step}: stdout shows a secret`).not.toContain(secret);
      expect(result.stderr, `${step}: stderr shows a secret`).not.toContain(secret);
    }
  }
}

/** An upload of `project` with `config` under the test's project key and its own state folder. */
function uploadArgs(config: string, project: string, stateDir: string): string[] {
  return ['--config', config, '--folder', project, '--project-key', PROJECT_KEY, '--state-dir', stateDir];
}

async function makeProject(files: Record<string, string>): Promise<string> {
  const project = await makeTempDir('keyring-project');
  await writeFiles(project, files);
  return project;
}

async function writeKeyringConfig(bucket: string): Promise<string> {
  return writeConfig(await makeTempDir('keyring-config'), {
    bucket,
    endpoint_url: s3.endpoint,
    region: s3.region,
    auth_mode: 'keyring',
    keyring_service: SERVICE,
  });
}

/** A config holding keys, readable by its owner only (so the CLI has no reason to warn). */
async function writeKeysConfig(bucket: string, secretAccessKey: string): Promise<string> {
  const file = await writeConfig(await makeTempDir('keys-config'), {
    bucket,
    endpoint_url: s3.endpoint,
    region: s3.region,
    auth_mode: 'config',
    aws_access_key_id: s3.accessKeyId,
    aws_secret_access_key: secretAccessKey,
  });
  await chmod(file, 0o600);
  return file;
}

describe('auth_mode keyring with a real Secret Service', () => {
  it('stores, shows, uploads with and deletes a key pair, then refuses to upload without it', async (context) => {
    requireKeyringTools(context);
    const env = await makeIsolatedEnv();
    const bucket = await createTestBucket('keyring');
    const config = await writeKeyringConfig(bucket);
    const stateDir = await makeTempDir('keyring-state');
    const files = { 'logs/run.log': 'keyring upload log\n', 'report/summary.txt': 'keyring upload report\n' };
    const project = await makeProject(files);
    const upload = uploadArgs(config, project, stateDir);
    // the test server's key id is longer than 8 characters, so its ends show
    const maskedKeyId = `${s3.accessKeyId.slice(0, 4)}...${s3.accessKeyId.slice(-4)}`;
    const steps: Record<string, CliResult> = {};

    steps.set = await runInKeyringSession(
      env,
      ['credentials', 'set', '--service', SERVICE, '--access-key-id', s3.accessKeyId],
      `${s3.secretAccessKey}\n`,
    );
    expectSuccess(steps.set);
    expect(steps.set.stdout).toContain(`stored access key ${maskedKeyId} for service '${SERVICE}'`);
    // the entry lives in the throwaway HOME, not in a keyring of the machine's user
    expect(existsSync(path.join(env.HOME ?? '', '.local/share/keyrings/login.keyring'))).toBe(true);

    // a new D-Bus session: what `set` stored survived the end of its session
    steps.show = await runInKeyringSession(env, ['credentials', 'show', '--service', SERVICE]);
    expectSuccess(steps.show);
    expect(steps.show.stdout).toBe(
      `service '${SERVICE}': access key ${maskedKeyId}, secret stored (${s3.secretAccessKey.length} characters)\n`,
    );
    expect(steps.show.stdout).not.toContain(s3.accessKeyId);

    steps.upload = await runInKeyringSession(env, [...upload, '--debug']);
    expectSuccess(steps.upload);
    const objects = await listAllObjects(bucket);
    expect(objects.map((object) => object.key)).toEqual([
      `${PROJECT_KEY}/logs/run.log`,
      `${PROJECT_KEY}/report/summary.txt`,
    ]);
    for (const [relPath, content] of Object.entries(files)) {
      expect((await getObjectBytes(bucket, `${PROJECT_KEY}/${relPath}`)).toString('utf8')).toBe(content);
    }

    steps.test = await runInKeyringSession(env, ['credentials', 'test', '--config', config]);
    expectSuccess(steps.test);
    expect(steps.test.stdout).toContain(`auth mode keyring: bucket ${bucket} is reachable`);
    expect(steps.test.stdout).toContain('write access confirmed');

    steps.delete = await runInKeyringSession(env, ['credentials', 'delete', '--service', SERVICE]);
    expectSuccess(steps.delete);
    expect(steps.delete.stdout).toBe(`deleted the credentials of service '${SERVICE}'\n`);

    await writeFiles(project, { 'logs/after-delete.log': 'must not arrive\n' });
    steps.uploadAfterDelete = await runInKeyringSession(env, upload);
    const line = expectOneLineFailure(steps.uploadAfterDelete);
    expect(line).toMatch(/auth_mode keyring/);
    expect(line).toContain(`service '${SERVICE}'`);
    expect(line).toContain(`upload-to-s3 credentials set --service ${SERVICE}`);
    expect(await listAllObjects(bucket)).toHaveLength(2);

    expectNoSecretPrinted(steps, [s3.secretAccessKey]);
  });

  it('reads both the key id and the secret from piped stdin, one line each', async (context) => {
    requireKeyringTools(context);
    const env = await makeIsolatedEnv();
    const secret = 'piped-secret-0123456789abcdefghij';
    const steps: Record<string, CliResult> = {};

    steps.set = await runInKeyringSession(
      env,
      ['credentials', 'set', '--service', SERVICE],
      `AKIDPIPEDKEY00000042\r\n${secret}\n`,
    );
    expectSuccess(steps.set);
    steps.show = await runInKeyringSession(env, ['credentials', 'show', '--service', SERVICE]);
    expectSuccess(steps.show);
    expect(steps.show.stdout).toBe(
      `service '${SERVICE}': access key AKID...0042, secret stored (${secret.length} characters)\n`,
    );

    expectNoSecretPrinted(steps, [secret]);
  });
});

describe('an SSE-C key kept in the keyring', () => {
  it('is stored from stdin, shown by its MD5 only, and encrypts uploads that check can read', async (context) => {
    requireKeyringTools(context);
    const env = await makeIsolatedEnv();
    const bucket = await createTestBucket('keyring-ssec');
    const key = randomBytes(32);
    const keyBase64 = key.toString('base64');
    const keyMd5 = createHash('md5').update(key).digest('base64');
    const config = await writeKeysConfig(bucket, s3.secretAccessKey);
    await appendFile(config, `sse_customer_key_in_keyring: true\nkeyring_service: ${SERVICE}\n`);
    const project = await makeProject({ 'report/summary.txt': 'encrypted with a keyring key\n' });
    const stateDir = await makeTempDir('keyring-state');
    const target = uploadArgs(config, project, stateDir);
    const steps: Record<string, CliResult> = {};

    steps.set = await runInKeyringSession(
      env,
      ['credentials', 'set', '--sse-c-key', '--service', SERVICE],
      `${keyBase64}\n`,
    );
    expectSuccess(steps.set);
    expect(steps.set.stdout).toBe(`stored the SSE-C key with MD5 ${keyMd5} for service '${SERVICE}'\n`);
    steps.show = await runInKeyringSession(env, ['credentials', 'show', '--sse-c-key', '--service', SERVICE]);
    expect(steps.show.stdout).toBe(`service '${SERVICE}': SSE-C key stored, MD5 ${keyMd5}\n`);

    steps.upload = await runInKeyringSession(env, [...target, '--debug']);
    expectSuccess(steps.upload);
    const objectKey = `${PROJECT_KEY}/report/summary.txt`;
    const client = makeTestClient();
    try {
      const head = await client.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: objectKey,
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: key,
        }),
      );
      expect(head.SSECustomerAlgorithm).toBe('AES256');
      await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }))).rejects.toThrow();
    } finally {
      client.destroy();
    }
    steps.check = await runInKeyringSession(env, ['check', ...target]);
    expectSuccess(steps.check);

    steps.delete = await runInKeyringSession(env, [
      'credentials',
      'delete',
      '--sse-c-key',
      '--service',
      SERVICE,
    ]);
    expect(steps.delete.stdout).toBe(`deleted the SSE-C key of service '${SERVICE}'\n`);
    steps.uploadWithout = await runInKeyringSession(env, target);
    expect(expectOneLineFailure(steps.uploadWithout)).toContain(
      `no SSE-C key found for service '${SERVICE}'`,
    );
    expectNoSecretPrinted(steps, [keyBase64]);
  });
});

describe('auth_mode keyring without a keyring service', () => {
  it('stops the upload with one line naming the auth mode, what failed and the other auth modes', async () => {
    const env = await makeIsolatedEnv();
    const bucket = await createTestBucket('keyring-no-dbus');
    const project = await makeProject({ 'logs/run.log': 'no keyring\n' });
    const stateDir = await makeTempDir('keyring-state');

    const result = await runCli(uploadArgs(await writeKeyringConfig(bucket), project, stateDir), { env });

    const line = expectOneLineFailure(result);
    expect(line).toMatch(
      /^upload-to-s3: auth_mode keyring: cannot open the OS credential store for service 'upload-to-s3-keyring-test' \(.+\); /,
    );
    expect(line).toMatch(/use auth_mode instance .*, profile or config$/);
    expect(await listAllObjects(bucket)).toEqual([]);
  });

  it('refuses to store a key pair with one line that points at the missing keyring service', async () => {
    const env = await makeIsolatedEnv();
    const secret = 'no-dbus-secret-0123456789abcdef';

    const result = await runCli(
      ['credentials', 'set', '--service', SERVICE, '--access-key-id', 'AKIDNODBUS0000000001'],
      {
        env,
        input: `${secret}\n`,
      },
    );

    const line = expectOneLineFailure(result);
    expect(line).toMatch(/^upload-to-s3: credentials set: cannot write to the OS credential store \(.+\); /);
    expectNoSecretPrinted({ set: result }, [secret]);
  });

  it('names --access-key-id when a secret piped alone was read as the key id, without printing it', async () => {
    const env = await makeIsolatedEnv();
    const secret = 'piped-alone-secret-0123456789abcdef';

    const result = await runCli(['credentials', 'set', '--service', SERVICE], { env, input: `${secret}\n` });

    const line = expectOneLineFailure(result);
    expect(line).toBe(
      'upload-to-s3: credentials set: an access key id and a secret are both needed; pass --access-key-id ID and pipe only the secret on stdin, or type both at the prompts',
    );
    expectNoSecretPrinted({ set: result }, [secret]);
  });
});

describe('credentials test', () => {
  it('reports the bucket reachable and writable, and leaves no probe object behind', async () => {
    const bucket = await createTestBucket('creds-test');

    const result = await runCli([
      'credentials',
      'test',
      '--config',
      await writeKeysConfig(bucket, s3.secretAccessKey),
      '--project-key',
      PROJECT_KEY,
    ]);

    expectSuccess(result);
    expect(result.stdout).toBe(
      `auth mode config: bucket ${bucket} is reachable\n` +
        `write access confirmed (wrote and deleted s3://${bucket}/${PROJECT_KEY}/.upload-to-s3-write-probe)\n`,
    );
    expect(await listAllObjects(bucket)).toEqual([]);
    expectNoSecretPrinted({ test: result }, [s3.secretAccessKey]);
  });

  it('fails with exit 2 and one line when the secret is wrong', async () => {
    const bucket = await createTestBucket('creds-test-wrong');
    const wrongSecret = `${s3.secretAccessKey.slice(0, -6)}wrong0`;

    const result = await runCli([
      'credentials',
      'test',
      '--config',
      await writeKeysConfig(bucket, wrongSecret),
      '--debug',
    ]);

    const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, output).toBe(2);
    // --debug adds the stack on purpose; without it the line stands alone
    const lines = cliErrorLines(result.stderr);
    expect(lines, output).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^upload-to-s3: open bucket ${bucket}: .*SignatureDoesNotMatch.*; the secret key is wrong`),
    );
    expect(result.stdout).not.toContain('reachable');
    expectNoSecretPrinted({ test: result }, [s3.secretAccessKey, wrongSecret]);

    const config = await writeKeysConfig(bucket, wrongSecret);
    const plain = await runCli(['credentials', 'test', '--config', config]);
    expect(expectOneLineFailure(plain)).toBe(lines[0]!.replace(/ in \S+config\.yaml, /, ` in ${config}, `));
    expect(lines[0]).toContain('check aws_access_key_id and aws_secret_access_key in ');
    expectNoSecretPrinted({ plain }, [s3.secretAccessKey, wrongSecret]);
  });
});
