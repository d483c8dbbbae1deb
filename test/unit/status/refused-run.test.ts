import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { recordRefusedRun } from '../../../src/status/refused-run.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

const REFUSAL = new ConfigError('--include nonsuch: unknown folder type; use one of reels, config');

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

async function statusFileOfRun(phase: string, pid: number): Promise<string> {
  const file = path.join(await makeTempDir('refused-run-'), 'status.json');
  const status = { phase, pid, hostname: hostname(), started_at: 1, last_update: 1, totals: {} };
  await writeFile(file, JSON.stringify(status));
  return file;
}

describe('recordRefusedRun', () => {
  it('replaces the last run’s completed file with a failed one that names the refusal and its exit code', async () => {
    const file = await statusFileOfRun('completed', 1);
    const warnings: string[] = [];

    await recordRefusedRun(file, REFUSAL, (message) => warnings.push(message));

    const status = await readJson(file);
    expect(status.phase).toBe('failed');
    expect(status.run_error).toMatchObject({ exit_code: 2, message: REFUSAL.message });
    expect(status.last_update).toBeGreaterThan(1);
    expect(warnings).toEqual([]);
  });

  it('creates the file and its folder when no run wrote one yet', async () => {
    const file = path.join(await makeTempDir('refused-run-'), 'runs', 'bucket', 'P1', 'status.json');

    await recordRefusedRun(file, REFUSAL, () => undefined);

    expect((await readJson(file)).phase).toBe('failed');
  });

  it('leaves alone the file of a run still going (this process stands for it)', async () => {
    const file = await statusFileOfRun('uploading', process.pid);

    await recordRefusedRun(file, REFUSAL, () => undefined);

    expect((await readJson(file)).phase).toBe('uploading');
  });

  it('replaces the file of a run whose process is gone without a final phase (a crash, a kill)', async () => {
    const file = await statusFileOfRun('uploading', 2 ** 22 + 7);

    await recordRefusedRun(file, REFUSAL, () => undefined);

    expect((await readJson(file)).phase).toBe('failed');
  });

  it('leaves alone a file at that path that is no status file', async () => {
    const file = path.join(await makeTempDir('refused-run-'), 'status.json');
    await writeFile(file, 'my notes\n');

    await recordRefusedRun(file, REFUSAL, () => undefined);

    expect(await readFile(file, 'utf8')).toBe('my notes\n');
  });

  it('warns, and does not throw, when the file cannot be written', async () => {
    const blocker = path.join(await makeTempDir('refused-run-'), 'a-file');
    await writeFile(blocker, 'not a folder');
    const warnings: string[] = [];

    await recordRefusedRun(path.join(blocker, 'status.json'), REFUSAL, (message) => warnings.push(message));

    expect(warnings).toEqual([expect.stringMatching(/^write status file .*a-file.status\.json: /)]);
  });
});
