/**
 * What the reliability tests (faults, crash loop, changing files, lock) share: a project folder and state dir
 * with a config that sends the CLI through a seeded fault proxy, object-by-object checks of the bucket against
 * the local files, and an optional measurement log for docs/RELIABILITY.md.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { makeTempDir, writeConfig } from '../support/fixtures.js';
import { getS3Env, makeTestClient, type S3Env, testServerConfig } from '../support/s3-env.js';

export const MiB = 1024 ** 2;

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1), so every "random" choice of a test replays. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One test's world: a project folder, its own state dir, and a seeded proxy in front of the server. */
export interface World {
  bucket: string;
  projectKey: string;
  root: string;
  projectDir: string;
  stateDir: string;
  logCsv: string;
  statusJson: string;
  configPath: string;
  proxy: FaultProxy;
}

/**
 * Starts a proxy (seeded, with `rules`) in front of `env`'s server and writes a config that sends the CLI
 * through it. `env` defaults to the suite's server.
 */
export async function openWorld(options: {
  bucket: string;
  projectKey: string;
  seed: number;
  rules?: FaultRule[];
  env?: S3Env;
  /** false: the config points straight at the server (the proxy still starts, unused). */
  viaProxy?: boolean;
}): Promise<World> {
  const env = options.env ?? getS3Env();
  const root = await makeTempDir(options.projectKey.toLowerCase());
  const proxy = await startFaultProxy({
    target: env.endpoint,
    rules: options.rules ?? [],
    seed: options.seed,
  });
  const configPath = await writeConfig(root, {
    bucket: options.bucket,
    ...testServerConfig(env),
    endpoint_url: options.viaProxy === false ? env.endpoint : proxy.endpoint,
  });
  await chmod(configPath, 0o600); // the CLI warns about world-readable secrets otherwise
  return {
    bucket: options.bucket,
    projectKey: options.projectKey,
    root,
    projectDir: path.join(root, 'project'),
    stateDir: path.join(root, 'state'),
    logCsv: path.join(root, 'upload-log.csv'),
    statusJson: path.join(root, 'status.json'),
    configPath,
    proxy,
  };
}

/** The arguments of an upload of the world's project, plus `extra`. */
export function worldArgs(w: World, ...extra: string[]): string[] {
  return [
    '--config',
    w.configPath,
    '--folder',
    w.projectDir,
    '--project-key',
    w.projectKey,
    '--state-dir',
    w.stateDir,
    '--status-json',
    w.statusJson,
    '--log-csv',
    w.logCsv,
    '--quiet',
    ...extra,
  ];
}

/** A local file as the bucket must hold it. */
export interface LocalFile {
  rel: string;
  path: string;
  key: string;
  sizeBytes: number;
  sha256: string;
}

/** SHA-256 of a file or a stream, read as a stream. */
export async function sha256Of(source: string | Readable): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of typeof source === 'string' ? createReadStream(source) : source) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

/** Hashes the files at `rels` (project-relative, `/`-separated) and names the key each must land under. */
export async function describeFiles(w: World, rels: readonly string[]): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const rel of rels) {
    const filePath = path.join(w.projectDir, ...rel.split('/'));
    const { sizeBytes, sha256 } = await sha256Of(filePath);
    expect((await stat(filePath)).size).toBe(sizeBytes);
    files.push({ rel, path: filePath, key: `${w.projectKey}/${rel.normalize('NFC')}`, sizeBytes, sha256 });
  }
  return files;
}

let sharedClient: S3Client | undefined;
function client(): S3Client {
  sharedClient ??= makeTestClient();
  return sharedClient;
}

/** Keys under `prefix` (all pages). */
export async function listKeys(bucket: string, prefix: string, s3: S3Client = client()): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Size, bytes' SHA-256 and user metadata of a stored object, read from the server itself (not the proxy). */
export async function readStoredObject(
  bucket: string,
  key: string,
  s3: S3Client = client(),
): Promise<{ sizeBytes: number; sha256: string; metadata: Record<string, string> }> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
  const digest = await sha256Of(body);
  expect(head.ContentLength, `HeadObject size of ${key}`).toBe(digest.sizeBytes);
  return { ...digest, metadata: head.Metadata ?? {} };
}

/**
 * Checks the bucket object by object: every file in `files` is stored under its key with exactly its bytes
 * (size and SHA-256 of a full GetObject), and with `x-amz-meta-sha256` equal to its hash where `promisesSha256`
 * says the upload promised it; nothing else lies under `prefix`. Returns the bytes verified.
 */
export async function expectStoredExactly(
  bucket: string,
  prefix: string,
  files: readonly LocalFile[],
  promisesSha256: (file: LocalFile) => boolean = () => true,
  s3?: S3Client,
): Promise<number> {
  const keys = await listKeys(bucket, prefix, s3);
  expect(keys).toEqual(files.map((f) => f.key).sort());
  let verifiedBytes = 0;
  for (const file of files) {
    const stored = await readStoredObject(bucket, file.key, s3);
    expect({ key: file.key, sizeBytes: stored.sizeBytes, sha256: stored.sha256 }).toEqual({
      key: file.key,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
    });
    if (promisesSha256(file))
      expect(stored.metadata.sha256, `x-amz-meta-sha256 of ${file.key}`).toBe(file.sha256);
    verifiedBytes += stored.sizeBytes;
  }
  return verifiedBytes;
}

/** Every object under `prefix` is one of `files` with exactly its bytes (objects may be missing, never wrong). */
export async function expectNoWrongObject(
  bucket: string,
  prefix: string,
  files: readonly LocalFile[],
): Promise<void> {
  const byKey = new Map(files.map((f) => [f.key, f]));
  for (const key of await listKeys(bucket, prefix)) {
    const file = byKey.get(key);
    expect(file, `unexpected object ${key}`).toBeDefined();
    const stored = await readStoredObject(bucket, key);
    expect({ key, sha256: stored.sha256, sizeBytes: stored.sizeBytes }).toEqual({
      key,
      sha256: file!.sha256,
      sizeBytes: file!.sizeBytes,
    });
  }
}

/** Multipart uploads still open under `prefix` (all pages), as `key uploadId`. */
export async function openUploadsUnder(
  bucket: string,
  prefix: string,
  s3: S3Client = client(),
): Promise<string[]> {
  const open: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    open.push(...(page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`));
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return open;
}

/**
 * Appends one JSON line of measurements to the file named by `RELIABILITY_REPORT` (unset: nothing is written);
 * docs/RELIABILITY.md is built from these lines.
 */
export async function recordMeasurement(entry: Record<string, unknown>): Promise<void> {
  const file = process.env.RELIABILITY_REPORT;
  if (!file) return;
  await appendFile(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), server: process.env.S3_TEST_SERVER ?? 'ceph-rgw', ...entry })}\n`,
  );
}
