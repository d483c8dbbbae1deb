/**
 * The plan never drops a file silently, tried with the built CLI against a real S3 server: --folder-type wins over
 * sub-folder names, links to folders are followed, a link loop is left out and shown, a broken link fails.
 */
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getObjectBytes, listAllObjects } from '../support/bucket.js';
import { makeTempDir, writeFiles } from '../support/fixtures.js';
import { readLogRows } from '../support/run-outcomes.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { useHarnessBucket, type Harness } from './transfer-harness.js';

let bucket = '';
const { harness } = useHarnessBucket('plan-complete', (created) => (bucket = created));

/** Upload arguments for `folder` (the harness's project folder unless given), plus `extra`. */
function uploadArgs(h: Harness, folder: string, ...extra: string[]): string[] {
  return [
    '--config',
    h.configPath,
    '--folder',
    folder,
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

function explain(run: CliResult): string {
  return `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

/** Every stored key under the harness's project, with its bytes as text. */
async function storedUnder(h: Harness): Promise<Record<string, string>> {
  const stored: Record<string, string> = {};
  for (const object of await listAllObjects(bucket, `${h.projectKey}/`))
    stored[object.key] = (await getObjectBytes(bucket, object.key)).toString();
  return stored;
}

describe('the plan never drops a file silently', () => {
  it('--folder-type reels on a camera dump with a logs/ sub-folder uploads the reels inside it', async () => {
    const h = await harness('PC-FTYPE');
    const dump = path.join(path.dirname(h.projectDir), 'Camera Dump');
    await writeFiles(dump, {
      'R001/R001.mp4': 'reel one',
      'logs/R002/R002.mp4': 'reel two, in a folder named like a type',
      'logs/camera.log': 'not a reel file',
    });

    const run = await runCli(uploadArgs(h, dump, '--folder-type', 'reels'));

    expect(run.code, explain(run)).toBe(0);
    expect(await storedUnder(h)).toEqual({
      'PC-FTYPE/reels/R001/R001.mp4': 'reel one',
      'PC-FTYPE/reels/logs/R002/R002.mp4': 'reel two, in a folder named like a type',
    });
  });

  it('a project whose reels folder is a symbolic link to a folder elsewhere uploads the linked reels', async () => {
    const h = await harness('PC-LINKED');
    const cameraDisk = await makeTempDir('camera-disk');
    await writeFiles(cameraDisk, { 'R001/R001.mp4': 'reel on another disk', 'R001/R001.json': '{"reel":1}' });
    await writeFiles(h.projectDir, { 'logs/capture.log': 'capture' });
    await symlink(cameraDisk, path.join(h.projectDir, 'reels'));

    const run = await runCli(uploadArgs(h, h.projectDir));

    expect(run.code, explain(run)).toBe(0);
    expect(await storedUnder(h)).toEqual({
      'PC-LINKED/logs/capture.log': 'capture',
      'PC-LINKED/reels/R001/R001.json': '{"reel":1}',
      'PC-LINKED/reels/R001/R001.mp4': 'reel on another disk',
    });
  });

  it('a link loop inside reels is shown in the dry run; the run uploads the rest and exits 0', async () => {
    const h = await harness('PC-LOOP');
    await writeFiles(h.projectDir, { 'reels/R001/R001.mp4': 'reel', 'reels/R002/R002.json': '{}' });
    const loop = path.join(h.projectDir, 'reels', 'R001', 'back-to-reels');
    await symlink('..', loop);
    const up = path.join(h.projectDir, 'reels', 'R002', 'project');
    await symlink('../..', up);

    const dry = await runCli(uploadArgs(h, h.projectDir, '--dry-run'), { timeoutMs: 120_000 });

    expect(dry.code, explain(dry)).toBe(0);
    expect(dry.stdout).toContain('left out: 2 files (2 link loop)');
    expect(dry.stdout).toContain(`  ${loop}: link loop (leads back to ${path.join(h.projectDir, 'reels')})`);
    expect(dry.stdout).toContain(`  ${up}: link loop (leads back to `);
    expect(await listAllObjects(bucket, `${h.projectKey}/`)).toEqual([]);

    const run = await runCli(uploadArgs(h, h.projectDir), { timeoutMs: 120_000 });

    expect(run.timedOut, 'the walk did not terminate').toBe(false);
    expect(run.code, explain(run)).toBe(0);
    expect(await storedUnder(h)).toEqual({
      'PC-LOOP/reels/R001/R001.mp4': 'reel',
      'PC-LOOP/reels/R002/R002.json': '{}',
    });
  });

  it('a broken link to a reel folder is a failed file: exit 1, named on stderr and in the CSV log', async () => {
    const h = await harness('PC-BROKEN');
    await writeFiles(h.projectDir, { 'reels/R001/R001.mp4': 'reel' });
    const broken = path.join(h.projectDir, 'reels', 'R002');
    await symlink(path.join(path.dirname(h.projectDir), 'unplugged-disk', 'R002'), broken);

    const dry = await runCli(uploadArgs(h, h.projectDir, '--dry-run'));

    expect(dry.stdout, explain(dry)).toContain(
      `  ${broken}: broken symbolic link, its target does not exist (ENOENT)`,
    );
    expect(dry.code, 'a dry run exits as the run would').toBe(1);

    const run = await runCli(uploadArgs(h, h.projectDir));

    expect(run.code, explain(run)).toBe(1);
    // the path once, then the reason: the CSV row below keeps the error whole
    expect(run.stderr).toContain(`${broken}: read: broken symbolic link`);
    const failed = (await readLogRows(h.logCsv)).filter((row) => row.outcome === 'failed');
    expect(failed.map((row) => [row.file, row.error])).toEqual([
      [broken, `read ${broken}: broken symbolic link, its target does not exist (ENOENT)`],
    ]);
    expect(await storedUnder(h)).toEqual({ 'PC-BROKEN/reels/R001/R001.mp4': 'reel' });
  });

  it('a path too long for a key is a failed file named for its key, not as unreadable', async () => {
    const h = await harness('PC-LONGKEY');
    const deep = Array.from({ length: 5 }, (_, i) => `${'d'.repeat(200)}${i}`).join('/');
    await writeFiles(h.projectDir, { 'logs/ok.log': 'ok', [`logs/${deep}/file.log`]: 'deep' });
    const long = path.join(h.projectDir, 'logs', ...deep.split('/'), 'file.log');

    const dry = await runCli(uploadArgs(h, h.projectDir, '--dry-run'));

    expect(dry.stdout, explain(dry)).toContain(
      `would fail, no valid object key: 1 file\n  ${long}: build key: the key is`,
    );
    expect(dry.stdout).not.toContain('cannot be read');
    expect(dry.code, 'a dry run exits as the run would').toBe(1);

    const run = await runCli(uploadArgs(h, h.projectDir));

    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toContain(`${long}: build key: the key is`);
    // the file's size, which is not sent: the walk read it
    expect(run.stdout).toMatch(/^invalid key +0 \(0 B\) +0 \(0 B\) +1 \(4 B\)$/m);
    const failed = (await readLogRows(h.logCsv)).filter((row) => row.outcome === 'failed');
    expect(failed.map((row) => [row.file, row.size_bytes, row.reason, row.error])).toEqual([
      [
        long,
        '4',
        'key error',
        expect.stringMatching(/^build key: the key is \d+ bytes, over S3's limit of 1024/),
      ],
    ]);
    expect(await storedUnder(h)).toEqual({ 'PC-LONGKEY/logs/ok.log': 'ok' });
  });
});
