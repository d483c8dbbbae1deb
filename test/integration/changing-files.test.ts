/**
 * Files that change, vanish or misbehave under the uploader: a reel still growing while it is sent, a file
 * deleted after planning, files nobody can read, a symbolic link loop, empty files, awkward names (spaces, NFC
 * and NFD spellings, paths over 260 characters) and --min-file-age. The bucket is checked object by object.
 */
import { spawn } from 'node:child_process';
import { appendFile, chmod, chown, lchown, readdir, rm, symlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../support/fault-proxy.js';
import { removeTempDirs, writeFiles, type FileContent } from '../support/fixtures.js';
import { readLogRows, type LogRow } from '../support/run-outcomes.js';
import {
  buildCliEnv,
  CLI_PATH,
  runCli,
  spawnCli,
  type CliResult,
  type RunningCli,
} from '../support/run-cli.js';
import { createTestBucket } from '../support/s3-env.js';
import {
  describeFiles,
  expectStoredExactly,
  listKeys,
  MiB,
  openUploadsUnder,
  openWorld,
  worldArgs,
  type World,
} from './reliability-world.js';
import { deleteBucket } from './transfer-harness.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const isRoot = process.getuid?.() === 0;
const NOBODY = 65_534;

async function chownTree(dir: string, id: number): Promise<void> {
  await chown(dir, id, id);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, id);
    else await lchown(full, id, id);
  }
}

/** Runs the built CLI to completion, as user and group `id` when given (needs root). */
function runCliAs(args: readonly string[], id: number | undefined): Promise<CliResult> {
  if (id === undefined) return runCli(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: os.tmpdir(),
      env: buildCliEnv({ HOME: os.tmpdir() }),
      uid: id,
      gid: id,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, timedOut: false }));
  });
}

let bucket: string;
const worlds: World[] = [];

beforeAll(async () => {
  bucket = await createTestBucket('changing-files');
});

afterAll(async () => {
  await Promise.all(worlds.map((w) => w.proxy.close()));
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

async function world(projectKey: string, seed: number, rules: FaultRule[] = []): Promise<World> {
  const w = await openWorld({ bucket, projectKey, seed, rules });
  worlds.push(w);
  return w;
}

function fileOf(w: World, rel: string): string {
  return path.join(w.projectDir, ...rel.split('/'));
}

function rowFor(rows: readonly LogRow[], key: string): LogRow {
  const row = rows.find((r) => r.key === key);
  if (!row) throw new Error(`no CSV row for ${key}; rows: ${rows.map((r) => r.key).join(', ')}`);
  return row;
}

/** Resolves once the proxy has seen a request of `operation` for a key containing `keyPart`. */
async function waitForRequest(w: World, cli: RunningCli, operation: string, keyPart: string): Promise<void> {
  let exited = false;
  void cli.exited.then(() => (exited = true));
  while (
    !w.proxy.stats().log.some((e) => e.operation === operation && decodeURIComponent(e.url).includes(keyPart))
  ) {
    if (exited) throw new Error(`the CLI exited before any ${operation} of ${keyPart}:\n${cli.stderr()}`);
    await sleep(20);
  }
}

describe('a file that changes or disappears during the run', () => {
  it('a reel growing while it is sent is failed as changed, nothing is stored under its key, and the next run sends its final content', async () => {
    const w = await world('CH-GROW', 301);
    const rel = 'reels/R001/recording.mp4';
    await writeFiles(w.projectDir, { [rel]: { sizeBytes: 24 * MiB, seed: 'growing' } });
    const key = `${w.projectKey}/${rel}`;
    const cli = spawnCli(worldArgs(w, '--max-bandwidth', '8MB/s'));
    await waitForRequest(w, cli, 'UploadPart', 'recording.mp4');
    let appending = true;
    const appender = (async () => {
      for (let i = 0; appending; i++) {
        await appendFile(fileOf(w, rel), Buffer.alloc(64 * 1024, i % 256));
        await sleep(100);
      }
    })();
    const first = await cli.exited;
    appending = false;
    await appender;

    expect(first.code, first.stderr).toBe(1);
    const row = rowFor(await readLogRows(w.logCsv), key);
    expect(row.outcome).toBe('failed');
    expect(row.reason).toMatch(/\S/);
    expect(row.error).toMatch(/changed/);
    expect(first.stderr).toMatch(/changed/);
    expect(await listKeys(bucket, `${w.projectKey}/`)).toEqual([]);
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toEqual([]);

    const second = await runCli(worldArgs(w));
    expect(second.code, second.stderr).toBe(0);
    const files = await describeFiles(w, [rel]);
    expect(files[0]!.sizeBytes).toBeGreaterThan(24 * MiB);
    await expectStoredExactly(bucket, `${w.projectKey}/`, files, () => false);
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toEqual([]);
  });

  it('a file deleted between planning and its turn is failed with a reason, and the run carries on with the rest', async () => {
    // one file at a time, the first held by the proxy until the victim is deleted: that is before its turn
    const w = await world('CH-DELETE', 302, [
      { match: { operation: 'PutObject', keyIncludes: 'a-first' }, action: 'hold' },
    ]);
    const project: Record<string, FileContent> = {
      'logs/a-first.log': { sizeBytes: 10_000, seed: 'first' },
      'logs/b-victim.log': { sizeBytes: 20_000, seed: 'victim' },
      'logs/c-last.log': { sizeBytes: 30_000, seed: 'last' },
    };
    await writeFiles(w.projectDir, project);
    const kept = await describeFiles(w, ['logs/a-first.log', 'logs/c-last.log']);
    const cli = spawnCli(worldArgs(w, '--max-concurrency', '1'));
    await waitForRequest(w, cli, 'PutObject', 'a-first');
    await rm(fileOf(w, 'logs/b-victim.log'));
    expect(w.proxy.release()).toBe(1);
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(1);
    const rows = await readLogRows(w.logCsv);
    const victim = rowFor(rows, `${w.projectKey}/logs/b-victim.log`);
    expect(victim.outcome).toBe('failed');
    expect(victim.error).toMatch(/no longer exists/);
    expect(run.stderr).toContain('b-victim.log');
    for (const file of kept) expect(rowFor(rows, file.key).outcome).toBe('uploaded');
    await expectStoredExactly(bucket, `${w.projectKey}/`, kept);
  });

  it('a reel deleted while its parts are sent is failed, its upload aborted, and no object is stored', async (context) => {
    if (process.platform === 'win32')
      context.skip('on Windows a file the CLI holds open is not unlinked the way POSIX unlink does it');
    // its parts wait at the proxy until the file is gone: none is answered before the unlink
    const w = await world('CH-UNLINK', 303, [
      { match: { operation: 'UploadPart', keyIncludes: 'gone.mp4' }, action: 'hold', times: Infinity },
    ]);
    const rel = 'reels/R001/gone.mp4';
    await writeFiles(w.projectDir, { [rel]: { sizeBytes: 16 * MiB, seed: 'gone' } });
    const cli = spawnCli(worldArgs(w));
    await waitForRequest(w, cli, 'UploadPart', 'gone.mp4');
    await rm(fileOf(w, rel));
    w.proxy.setRules([]);
    w.proxy.release();
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(1);
    const row = rowFor(await readLogRows(w.logCsv), `${w.projectKey}/${rel}`);
    expect(row.outcome).toBe('failed');
    expect(row.error).toMatch(/no longer exists/);
    expect(await listKeys(bucket, `${w.projectKey}/`)).toEqual([]);
    expect(await openUploadsUnder(bucket, `${w.projectKey}/`)).toEqual([]);
  });
});

describe('files that cannot be read, and folders that loop', () => {
  it('a dangling symlink and a symlink loop (unreadable even for root) are failed with a reason; the rest is uploaded', async (context) => {
    if (process.platform === 'win32')
      context.skip('on Windows symbolic links need administrator rights or Developer Mode');
    const w = await world('CH-UNREAD', 304);
    await writeFiles(w.projectDir, { 'logs/fine.log': { sizeBytes: 5_000, seed: 'fine' } });
    await symlink('missing-target.log', fileOf(w, 'logs/dangling.log'));
    await symlink('loop-b.log', fileOf(w, 'logs/loop-a.log'));
    await symlink('loop-a.log', fileOf(w, 'logs/loop-b.log'));
    const run = await runCli(worldArgs(w));

    expect(run.code, run.stderr).toBe(1);
    const rows = await readLogRows(w.logCsv);
    const failed = rows.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => path.basename(r.file)).sort()).toEqual([
      'dangling.log',
      'loop-a.log',
      'loop-b.log',
    ]);
    for (const row of failed) {
      expect(row.reason).toMatch(/\S/);
      expect(row.error).toMatch(row.file.endsWith('dangling.log') ? /\(ENOENT\)/ : /\(ELOOP\)/);
    }
    expect(run.stderr).toContain('dangling.log');
    await expectStoredExactly(bucket, `${w.projectKey}/`, await describeFiles(w, ['logs/fine.log']));
  });

  it('a file without read permission is failed as permission denied (as root, the CLI runs as nobody)', async (context) => {
    if (process.platform === 'win32')
      context.skip('on Windows chmod only sets the read-only flag: it cannot make a file unreadable');
    if (isRoot && (await runCliAs(['--version'], NOBODY)).code !== 0) {
      context.skip(
        `running as root and user nobody cannot run ${CLI_PATH}, so no file is unreadable to the CLI`,
      );
    }
    const w = await world('CH-CHMOD', 305);
    await writeFiles(w.projectDir, { 'logs/fine.log': 'fine\n', 'logs/secret.log': 'no entry\n' });
    await chmod(fileOf(w, 'logs/secret.log'), 0o000);
    // root reads any file, so as root the run drops to nobody, who owns the world but may not read the file
    if (isRoot) await chownTree(w.root, NOBODY);
    const run = await runCliAs(worldArgs(w), isRoot ? NOBODY : undefined);
    expect(run.code, run.stderr).toBe(1);
    const row = rowFor(await readLogRows(w.logCsv), `${w.projectKey}/logs/secret.log`);
    expect(row.outcome).toBe('failed');
    expect(row.error).toMatch(/permission denied \(EACCES\)/);
    expect(run.stderr).toContain('secret.log');
    await chmod(fileOf(w, 'logs/secret.log'), 0o600);
    await expectStoredExactly(bucket, `${w.projectKey}/`, await describeFiles(w, ['logs/fine.log']));
  });

  it('a folder symlinked to its parent does not trap the walk; empty files and awkward names land under the right NFC keys', async (context) => {
    if (process.platform === 'win32')
      context.skip('on Windows symbolic links need administrator rights or Developer Mode');
    const w = await world('CH-NAMES', 306);
    const nfc = 'café'.normalize('NFC');
    const nfd = 'café'.normalize('NFD');
    const longDir = ['a'.repeat(90), 'b'.repeat(90), 'c'.repeat(90)].join('/');
    const rels = [
      'logs/empty.log',
      'report/Daily Report  01 (final).md',
      `reels/R001/${nfc}.json`,
      `reels/R002/${nfd}.json`,
      'gis_data/Ünïcødé/naïve – ñ 東京.geojson',
      `gis_data/${longDir}/very-long-path-layer.geojson`,
    ];
    await writeFiles(w.projectDir, {
      [rels[0]!]: '',
      [rels[1]!]: { sizeBytes: 3_000, seed: 'spaces' },
      [rels[2]!]: '{"spelling":"nfc"}\n',
      [rels[3]!]: '{"spelling":"nfd, a different file"}\n',
      [rels[4]!]: { sizeBytes: 7_000, seed: 'unicode' },
      [rels[5]!]: { sizeBytes: 9_000, seed: 'long' },
    });
    expect(fileOf(w, rels[5]!).length).toBeGreaterThan(260);
    await symlink('..', fileOf(w, 'reels/R001/parent-loop'));
    await symlink('.', fileOf(w, 'reels/R001/self-loop'));
    await symlink('../..', fileOf(w, 'gis_data/Ünïcødé/up-two'));

    const run = await runCli(worldArgs(w), { timeoutMs: 120_000 });
    expect(run.timedOut, 'the walk did not terminate').toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const files = await describeFiles(w, rels);
    expect(files.map((f) => f.key)).toContain(`${w.projectKey}/reels/R002/${nfc}.json`);
    await expectStoredExactly(bucket, `${w.projectKey}/`, files);
    const empty = files.find((f) => f.rel === 'logs/empty.log')!;
    expect(empty).toMatchObject({ sizeBytes: 0, sha256: EMPTY_SHA256 });
  });
});

describe('--min-file-age', () => {
  it('leaves a just-modified file for a later run, which uploads it once it is old enough', async () => {
    const w = await world('CH-AGE', 307);
    await writeFiles(w.projectDir, {
      'logs/old.log': 'recorded yesterday\n',
      'logs/fresh.log': 'still being written\n',
    });
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(fileOf(w, 'logs/old.log'), twoMinutesAgo, twoMinutesAgo);

    const first = await runCli(worldArgs(w, '--min-file-age', '60'));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/left for the next run: 1 file modified in the last 60 s/);
    expect(await listKeys(bucket, `${w.projectKey}/`)).toEqual([`${w.projectKey}/logs/old.log`]);
    expect((await readLogRows(w.logCsv)).map((r) => r.key)).toEqual([`${w.projectKey}/logs/old.log`]);

    await appendFile(fileOf(w, 'logs/fresh.log'), 'done\n');
    await utimes(fileOf(w, 'logs/fresh.log'), twoMinutesAgo, twoMinutesAgo);
    const second = await runCli(worldArgs(w, '--min-file-age', '60'));
    expect(second.code, second.stderr).toBe(0);
    const rows = await readLogRows(w.logCsv);
    // the file the first run sent is skipped by the log, and counted in the run's one unchanged row
    expect(rows.slice(1).map((r) => [r.key, r.outcome, r.size_bytes])).toEqual([
      [`${w.projectKey}/logs/fresh.log`, 'uploaded', String('still being written\ndone\n'.length)],
      [`${w.projectKey}/`, 'unchanged', String('recorded yesterday\n'.length)],
    ]);
    await expectStoredExactly(
      bucket,
      `${w.projectKey}/`,
      await describeFiles(w, ['logs/fresh.log', 'logs/old.log']),
    );
  });
});
