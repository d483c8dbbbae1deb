/**
 * Where the integration tests find their S3 server, and clients configured for it.
 * The global setup publishes the server through vitest's `provide` and through `S3_TEST_*` variables,
 * which child processes inherit too.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';

export interface S3Env {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** null when the run needs no server (unit tests only). */
    s3Env: S3Env | null;
  }
}

const MAX_BUCKET_NAME_LENGTH = 63;

/** Reads the `S3_TEST_*` variables; undefined unless endpoint and both keys are set. */
export function readS3EnvVariables(env: NodeJS.ProcessEnv = process.env): S3Env | undefined {
  const {
    S3_TEST_ENDPOINT: endpoint,
    S3_TEST_ACCESS_KEY: accessKeyId,
    S3_TEST_SECRET_KEY: secretAccessKey,
  } = env;
  if (!endpoint || !accessKeyId || !secretAccessKey) return undefined;
  return { endpoint, accessKeyId, secretAccessKey, region: env.S3_TEST_REGION || 'us-east-1' };
}

/**
 * The test server's endpoint and keys.
 * @throws Error when the global setup started no server (e.g. a `test/unit`-only run).
 */
export function getS3Env(): S3Env {
  const env = readS3EnvVariables() ?? inject('s3Env');
  if (!env)
    throw new Error('no S3 test server in this run; run the integration tests through vitest (npm test)');
  return env;
}

/** An S3 client for the test server, configured the way Ceph RGW needs. */
export function makeTestClient(env: S3Env = getS3Env()): S3Client {
  return new S3Client({
    endpoint: env.endpoint,
    region: env.region,
    forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    // Ceph RGW (Pacific) rejects the SDK's default aws-chunked bodies with 411 MissingContentLength
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The config keys that point the CLI at the test server as the test user: path-style, keys in the config (a file
 * holding them should be chmod 600, or the CLI warns that others can read it).
 */
export function testServerConfig(env: S3Env = getS3Env()): Record<string, unknown> {
  return {
    endpoint_url: env.endpoint,
    region: env.region,
    force_path_style: true,
    auth_mode: 'config',
    aws_access_key_id: env.accessKeyId,
    aws_secret_access_key: env.secretAccessKey,
  };
}

/** A bucket name no other test uses: `<prefix>-<time>-<random>`, lower case, at most 63 characters. */
export function makeBucketName(prefix: string): string {
  const suffix = `-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (cleaned || 'test').slice(0, MAX_BUCKET_NAME_LENGTH - suffix.length).replace(/-+$/, '') + suffix;
}

/** Creates a fresh, uniquely named bucket on the test server and returns its name. */
export async function createTestBucket(prefix: string, client?: S3Client): Promise<string> {
  const bucket = makeBucketName(prefix);
  const s3 = client ?? makeTestClient();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    if (!client) s3.destroy();
  }
  return bucket;
}
