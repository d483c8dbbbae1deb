/**
 * What the transfer-engine integration tests (resume, interrupt, integrity) share: a project folder with a
 * config that points the CLI at a counting fault proxy, local and remote digests of big files computed as
 * streams, and read-only views of the resume journals and of the proxy log.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  startFaultProxy,
  type FaultProxy,
  type FaultRule,
  type ProxyLogEntry,
  type ProxyStats,
} from '../support/fault-proxy.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { headObject, listAllObjects } from '../support/bucket.js';
import { runCli, spawnCli, type CliResult, type RunningCli } from '../support/run-cli.js';
import { createTestBucket, getS3Env, makeTestClient, testServerConfig } from '../support/s3-env.js';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/** One test's world: a fresh bucket, a project folder, a state dir and a proxy in front of the server. */
export interface Harness {
  bucket: string;
  projectKey: string;
  /** The project folder (`--folder`); reels go under `reels/`. */
  projectDir: string;
  stateDir: string;
  statusJson: string;
  logCsv: string;
  configPath: string;
  proxy: FaultProxy;
}

/** Starts a proxy and writes a config that sends the CLI through it, with keys for the test server. */
export async function startHarness(
  bucket: string,
  projectKey: string,
  rules: FaultRule[] = [],
): Promise<Harness> {
  const env = getS3Env();
  const root = await makeTempDir(`${projectKey.toLowerCase()}`);
  const proxy = await startFaultProxy({
    target: env.endpoint,
    rules,
    seed: 7,
    secretAccessKey: env.secretAccessKey,
  });
  const configPath = await writeConfig(root, {
    bucket,
    ...testServerConfig(env),
    endpoint_url: proxy.endpoint,
  });
  await chmod(configPath, 0o600); // the CLI warns about world-readable secrets otherwise
  return {
    bucket,
    projectKey,
    projectDir: path.join(root, 'project'),
    stateDir: path.join(root, 'state'),
    statusJson: path.join(root, 'status.json'),
    logCsv: path.join(root, 'upload-log.csv'),
    configPath,
    proxy,
  };
}

/** The arguments of an upload of the harness's project, plus `extra`. */
export function uploadArgs(h: Harness, ...extra: string[]): string[] {
  return [
    '--config',
    h.configPath,
    '--folder',
    h.projectDir,
    '--project-key',
    h.projectKey,
    '--state-dir',
    h.stateDir,
    '--status-json',
    h.statusJson,
    '--log-csv',
    h.logCsv,
    '--quiet',
    ...extra,
  ];
}

/** Writes one file of `sizeBytes` at `rel` into the project and uploads it with `flags`. */
export async function uploadOneFile(
  h: Harness,
  rel: string,
  sizeBytes: number,
  ...flags: string[]
): Promise<CliResult> {
  await writeFiles(h.projectDir, { [rel]: { sizeBytes, seed: h.projectKey } });
  return runCli(uploadArgs(h, ...flags));
}

/** The key a file at `relPath` under the project folder gets (no prefix in the harness config). */
export function keyOf(h: Harness, relPath: string): string {
  return `${h.projectKey}/${relPath}`;
}

/** Size, SHA-256 and the multipart ETag (`md5(part md5s)-N`) a file must have once stored. */
export interface Digest {
  sizeBytes: number;
  sha256: string;
  multipartEtag: string;
}

/** Reads the file once, in `partSizeBytes` pieces, hashing the whole and each part. */
export async function digestFile(filePath: string, partSizeBytes: number): Promise<Digest> {
  const handle = await open(filePath, 'r');
  const whole = createHash('sha256');
  const partMd5s: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(partSizeBytes);
  let sizeBytes = 0;
  try {
    for (;;) {
      const length = await readFully(handle, buffer, sizeBytes);
      if (length === 0) break;
      const part = buffer.subarray(0, length);
      whole.update(part);
      partMd5s.push(createHash('md5').update(part).digest());
      sizeBytes += length;
      if (length < partSizeBytes) break;
    }
  } finally {
    await handle.close();
  }
  const multipartEtag = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
  return { sizeBytes, sha256: whole.digest('hex'), multipartEtag };
}

/**
 * Writes `sizeBytes` of seeded, incompressible bytes (AES-256-CTR keystream, like the fixtures' generated files)
 * to `filePath` and digests them on the way, so a multi-GiB file is not read back just to be hashed.
 */
export async function writeDigestedFile(
  filePath: string,
  sizeBytes: number,
  seed: string,
  partSizeBytes: number,
): Promise<Digest> {
  const keystream = createCipheriv(
    'aes-256-ctr',
    createHash('sha256').update(seed).digest(),
    Buffer.alloc(16),
  );
  const zeros = Buffer.alloc(4 * MiB);
  const whole = createHash('sha256');
  const partMd5s: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  await mkdir(path.dirname(filePath), { recursive: true });
  const handle = await open(filePath, 'w');
  try {
    for (let written = 0; written < sizeBytes;) {
      const chunk: Buffer = keystream.update(
        zeros.subarray(0, Math.min(zeros.length, sizeBytes - written, partSizeBytes - inPart)),
      );
      for (let offset = 0; offset < chunk.length;) offset += (await handle.write(chunk, offset)).bytesWritten;
      whole.update(chunk);
      part.update(chunk);
      written += chunk.length;
      inPart += chunk.length;
      if (inPart === partSizeBytes || written === sizeBytes) {
        partMd5s.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  } finally {
    await handle.close();
  }
  const multipartEtag = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
  return { sizeBytes, sha256: whole.digest('hex'), multipartEtag };
}

async function readFully(
  handle: Awaited<ReturnType<typeof open>>,
  buffer: Buffer,
  position: number,
): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Size and SHA-256 of a stored object, from a GetObject streamed straight from the server (not the proxy). */
export async function digestObject(
  bucket: string,
  key: string,
): Promise<{ sizeBytes: number; sha256: string }> {
  const client = makeTestClient();
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const hash = createHash('sha256');
    let sizeBytes = 0;
    for await (const chunk of response.Body as Readable) {
      hash.update(chunk as Buffer);
      sizeBytes += (chunk as Buffer).length;
    }
    return { sizeBytes, sha256: hash.digest('hex') };
  } finally {
    client.destroy();
  }
}

/** The fields of a resume journal the tests look at. */
export interface JournalView {
  key: string;
  uploadId: string;
  partSizeBytes: number;
  parts: Array<{ partNumber: number; etag: string; sizeBytes: number }>;
}

/** Every readable journal under `<stateDir>/journals` (a file caught mid-rename is skipped). */
export async function readJournals(stateDir: string): Promise<JournalView[]> {
  const folder = path.join(stateDir, 'journals');
  const names = await readdir(folder).catch(() => [] as string[]);
  const journals: JournalView[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      journals.push(JSON.parse(await readFile(path.join(folder, name), 'utf8')) as JournalView);
    } catch {
      // renamed away between readdir and read
    }
  }
  return journals;
}

/** Rewrites the one journal under `<stateDir>/journals` with `edit` applied (as a user or a bug might). */
export async function editJournal(
  stateDir: string,
  edit: (journal: Record<string, unknown> & JournalView) => void,
): Promise<void> {
  const folder = path.join(stateDir, 'journals');
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  expect(names).toHaveLength(1);
  const file = path.join(folder, names[0]!);
  const journal = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & JournalView;
  edit(journal);
  await writeFile(file, JSON.stringify(journal));
}

/**
 * Runs an upload of the harness's project whose UploadPart requests after the first `parts` are held at the
 * proxy, waits until the journal lists those parts and kills the CLI: the server then holds exactly the parts
 * the journal lists, whatever the machine's load. The held requests die with the CLI, never forwarded.
 */
export async function interruptAfterParts(
  h: Harness,
  parts: number,
  args = uploadArgs(h),
): Promise<JournalView> {
  h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', after: parts, times: Infinity }]);
  const cli = spawnCli(args);
  const journal = await waitForJournalParts(h.stateDir, parts, cli);
  cli.child.kill('SIGKILL');
  await cli.exited;
  h.proxy.setRules([]);
  expect(journal.parts).toHaveLength(parts);
  return journal;
}

/**
 * Polls the journals until one lists at least `parts` parts; rejects if the CLI exits first or
 * `timeoutMs` passes.
 */
export async function waitForJournalParts(
  stateDir: string,
  parts: number,
  cli: RunningCli,
  timeoutMs = 180_000,
): Promise<JournalView> {
  let exited = false;
  void cli.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const journal = (await readJournals(stateDir)).find((j) => j.parts.length >= parts);
    if (journal) return journal;
    if (exited)
      throw new Error(
        `the CLI exited before its journal had ${parts} parts:\n${cli.stdout()}\n${cli.stderr()}`,
      );
    await sleep(50);
  }
  throw new Error(`no journal with ${parts} parts within ${timeoutMs} ms`);
}

/** Polls until `predicate` holds for the proxy stats; rejects after `timeoutMs`. */
export async function waitForProxy(
  proxy: FaultProxy,
  predicate: (stats: ProxyStats) => boolean,
  timeoutMs = 180_000,
): Promise<ProxyStats> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = proxy.stats();
    if (predicate(stats)) return stats;
    await sleep(50);
  }
  throw new Error(`proxy stats did not reach the expected state within ${timeoutMs} ms`);
}

function partNumberOf(entry: ProxyLogEntry): number {
  return Number(new URL(entry.url, 'http://proxy').searchParams.get('partNumber'));
}

function uploadIdOf(entry: ProxyLogEntry): string | null {
  return new URL(entry.url, 'http://proxy').searchParams.get('uploadId');
}

/** UploadPart requests of the log, with their part number and upload id. */
export function uploadPartRequests(
  stats: ProxyStats,
): Array<ProxyLogEntry & { partNumber: number; uploadId: string | null }> {
  return stats.log
    .filter((e) => e.operation === 'UploadPart')
    .map((e) => ({ ...e, partNumber: partNumberOf(e), uploadId: uploadIdOf(e) }));
}

/** Part numbers the server answered 2xx to. */
export function acceptedPartNumbers(stats: ProxyStats): number[] {
  return uploadPartRequests(stats)
    .filter((e) => e.status !== null && e.status >= 200 && e.status < 300)
    .map((e) => e.partNumber)
    .sort((a, b) => a - b);
}

/** UploadPart requests still without an answer. */
export function partsInFlight(stats: ProxyStats): number {
  return uploadPartRequests(stats).filter((e) => e.status === null && e.error === undefined).length;
}

/** Requests of one operation whose URL names `uploadId`. */
export function requestsForUpload(stats: ProxyStats, operation: string, uploadId: string): ProxyLogEntry[] {
  return stats.log.filter((e) => e.operation === operation && uploadIdOf(e) === uploadId);
}

/** Part numbers the server holds for an open upload (ListParts straight from the server, all pages). */
export async function listStoredParts(bucket: string, key: string, uploadId: string): Promise<number[]> {
  const client = makeTestClient();
  const parts: number[] = [];
  try {
    let marker: string | undefined;
    do {
      const page = await client.send(
        new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
      );
      parts.push(...(page.Parts ?? []).map((p) => p.PartNumber ?? 0));
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
  } finally {
    client.destroy();
  }
  return parts.sort((a, b) => a - b);
}

/** Deletes the bucket and its objects, so gigabytes of test data do not pile up in the server's store. */
export async function deleteBucket(bucket: string): Promise<void> {
  const client = makeTestClient();
  try {
    for (const object of await listAllObjects(bucket)) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.key }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/**
 * Checks what a rerun sent against what the server held before it (`storedBefore`, from {@link listStoredParts}):
 * no part it held was sent again, and every part that is neither held then nor sent by the rerun was one the
 * first run had in flight when it ended (the server may still commit a part whose whole body had arrived).
 */
export function expectOnlyMissingPartsSent(
  rerun: ProxyStats,
  storedBefore: number[],
  first: ProxyStats,
  partCount: number,
): void {
  const sent = uploadPartRequests(rerun).map((e) => e.partNumber);
  expect(sent.filter((n) => storedBefore.includes(n))).toEqual([]);
  const acceptedNow = acceptedPartNumbers(rerun);
  const requestedFirst = new Set(uploadPartRequests(first).map((e) => e.partNumber));
  const committedLate = Array.from({ length: partCount }, (_, i) => i + 1).filter(
    (n) => !storedBefore.includes(n) && !acceptedNow.includes(n),
  );
  expect(committedLate.filter((n) => !requestedFirst.has(n))).toEqual([]);
}

/**
 * A test file's bucket and the harnesses it starts: the bucket is created before the file's tests (its name
 * handed to `onCreated`), and after them every proxy is closed, the bucket emptied and deleted and the temp dirs
 * removed. `harness` starts a project behind a proxy with `rules` (in the file's bucket unless told otherwise);
 * `expectStored` checks that an object has the file's size, multipart ETag and bytes.
 */
export function useHarnessBucket(
  name: string,
  onCreated: (bucket: string) => void,
): {
  harness: (projectKey: string, rules?: FaultRule[], inBucket?: string) => Promise<Harness>;
  expectStored: (key: string, digest: Digest) => Promise<void>;
} {
  let bucket = '';
  const harnesses: Harness[] = [];
  beforeAll(async () => {
    bucket = await createTestBucket(name);
    onCreated(bucket);
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.proxy.close()));
    await deleteBucket(bucket).catch(() => {});
    await removeTempDirs();
  });
  return {
    async harness(projectKey, rules = [], inBucket = bucket) {
      const h = await startHarness(inBucket, projectKey, rules);
      harnesses.push(h);
      return h;
    },
    async expectStored(key, digest) {
      const head = await headObject(bucket, key);
      expect(head.size).toBe(digest.sizeBytes);
      expect(head.etag).toBe(`"${digest.multipartEtag}"`);
      expect(await digestObject(bucket, key)).toEqual({ sizeBytes: digest.sizeBytes, sha256: digest.sha256 });
    },
  };
}
