/**
 * vitest global setup: makes sure an S3 server is there for the integration tests.
 *
 * - `S3_TEST_ENDPOINT`, `S3_TEST_ACCESS_KEY` and `S3_TEST_SECRET_KEY` set: that server is used as it is.
 * - Otherwise `scripts/local-s3.sh` provides a Ceph RGW on `S3_TEST_RGW_PORT`/`S3_TEST_MON_PORT` (7481/6790,
 *   beside the demo's 7480/6789). An instance already running there is reused and left running; one started
 *   here is stopped at teardown unless `KEEP_S3=1`, which keeps it for fast reruns.
 * - A run of `test/unit` only starts nothing.
 *
 * The server reaches tests through `inject('s3Env')` and `S3_TEST_*` variables, which CLI child processes inherit.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT } from './run-cli.js';
import { makeTestClient, readS3EnvVariables, type S3Env } from './s3-env.js';

const LOCAL_S3_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'local-s3.sh');
const WARM_UP_BUCKET = 'warm-up';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // the SDK's Node 20 end-of-support notice would otherwise repeat in every worker and CLI child
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (isUnitOnlyRun(project)) {
    project.provide('s3Env', null);
    return undefined;
  }
  const given = readS3EnvVariables();
  if (given) {
    publish(project, given);
    return undefined;
  }
  const server = await provideLocalServer();
  publish(project, server.env);
  return server.startedHere && process.env.KEEP_S3 !== '1'
    ? () => runLocalS3('stop').then(() => undefined)
    : undefined;
}

/**
 * True when every file filter of this run points into test/unit (`vitest run test/unit`). vitest keeps the
 * filters in an internal field; if that ever disappears the answer is false and the server starts anyway.
 */
function isUnitOnlyRun(project: TestProject): boolean {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? [];
  return filters.length > 0 && filters.every((filter) => isUnderUnitTests(project.config.root, filter));
}

function isUnderUnitTests(root: string, filter: string): boolean {
  const relative = path.relative(root, path.resolve(root, filter)).split(path.sep).join('/');
  return relative === 'test/unit' || relative.startsWith('test/unit/');
}

function publish(project: TestProject, env: S3Env): void {
  project.provide('s3Env', env);
  process.env.S3_TEST_ENDPOINT = env.endpoint;
  process.env.S3_TEST_ACCESS_KEY = env.accessKeyId;
  process.env.S3_TEST_SECRET_KEY = env.secretAccessKey;
  process.env.S3_TEST_REGION = env.region;
}

async function provideLocalServer(): Promise<{ env: S3Env; startedHere: boolean }> {
  const running = await runLocalS3('status');
  if (running.code === 0) return { env: parseEndpointLine(running.stdout), startedHere: false };
  const started = await runLocalS3('start');
  if (started.code !== 0) {
    throw new Error(
      `start local S3 server: scripts/local-s3.sh start exited with ${started.code}; see its log above`,
    );
  }
  const env = parseEndpointLine(started.stdout);
  await warmUp(env);
  return { env, startedHere: true };
}

function localS3Env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    RGW_PORT: process.env.S3_TEST_RGW_PORT ?? '7481',
    MON_PORT: process.env.S3_TEST_MON_PORT ?? '6790',
  };
}

/** Runs the script with its log on our stderr; resolves with its exit code and stdout. */
function runLocalS3(command: 'start' | 'stop' | 'status'): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [LOCAL_S3_SCRIPT, command], {
      cwd: PROJECT_ROOT,
      env: localS3Env(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

function parseEndpointLine(stdout: string): S3Env {
  const match = /ENDPOINT=(\S+) ACCESS_KEY=(\S+) SECRET_KEY=(\S+)/.exec(stdout);
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new Error(
      `start local S3 server: no ENDPOINT line in the script's output: ${JSON.stringify(stdout)}`,
    );
  }
  return { endpoint: match[1], accessKeyId: match[2], secretAccessKey: match[3], region: 'us-east-1' };
}

/**
 * RGW creates a pool lazily on the first bucket, the first object and the first multipart upload, about 2 s
 * each; paying that here keeps the first test's timings representative.
 */
async function warmUp(env: S3Env): Promise<void> {
  const client = makeTestClient(env);
  try {
    await client.send(new CreateBucketCommand({ Bucket: WARM_UP_BUCKET }));
    await client.send(new PutObjectCommand({ Bucket: WARM_UP_BUCKET, Key: 'warm-up', Body: 'warm-up' }));
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: WARM_UP_BUCKET, Key: 'mpu' }),
    );
    await client.send(new AbortMultipartUploadCommand({ Bucket: WARM_UP_BUCKET, Key: 'mpu', UploadId }));
  } finally {
    client.destroy();
  }
}
