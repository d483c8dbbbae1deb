import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findStatusFiles, statusFilesOf } from '../../../src/status/status-discovery.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** Writes a status file modified at `minute` minutes past a fixed hour, so the order is the test's, not the clock's. */
async function writeStatus(
  file: string,
  minute: number,
  content: object | string = { totals: {} },
): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  const at = new Date(Date.UTC(2026, 11, 4, 2, minute));
  await utimes(file, at, at);
  return file;
}

describe('findStatusFiles', () => {
  it("finds runs' and tasks' status files and the named ones, newest first, with their project", async () => {
    const state = await makeTempDir('discovery-state');
    const run = await writeStatus(path.join(state, 'runs', 'survey-archive', 'RMI25320', 'status.json'), 10);
    const task = await writeStatus(path.join(state, 'tasks', 'RMI25321-nightly', 'status.json'), 30, {
      totals: {},
      project_key: 'RMI25321',
    });
    const named = await writeStatus(path.join(await makeTempDir('discovery-named'), 'watch.json'), 20);

    const found = await findStatusFiles([state], [named]);

    expect(found.map((entry) => [entry.path, entry.projectKey])).toEqual([
      [task, 'RMI25321'],
      [named, undefined],
      [run, 'RMI25320'],
    ]);
  });

  it("takes a run's key from its folder and passes over folders without a file", async () => {
    const state = await makeTempDir('discovery-key');
    const run = await writeStatus(path.join(state, 'runs', 'b', 'RMI25320', 'status.json'), 5, {
      totals: {},
    });
    const unreadable = await writeStatus(
      path.join(state, 'tasks', 'half-written', 'status.json'),
      4,
      '{"totals": ',
    );
    await mkdir(path.join(state, 'runs', 'b', 'EMPTY'), { recursive: true });
    await mkdir(path.join(state, 'tasks', 'never-ran'), { recursive: true });

    expect(await findStatusFiles([state, path.join(state, 'missing')])).toEqual([
      { path: run, projectKey: 'RMI25320', modifiedMs: expect.any(Number) },
      { path: unreadable, projectKey: undefined, modifiedMs: expect.any(Number) },
    ]);
  });
});

describe('findStatusFiles and the run locks', () => {
  it('finds the status file a running upload writes where --status-json put it, by its lock', async () => {
    const state = await makeTempDir('discovery-lock');
    const earlier = await writeStatus(path.join(state, 'runs', 'b', 'RMI25320', 'status.json'), 10);
    const running = await writeStatus(path.join(await makeTempDir('discovery-own'), 'mine.json'), 40, {
      totals: {},
      project_key: 'RMI25320',
    });
    const holder = {
      host: 'laptop',
      pid: 4242,
      token: 't',
      acquiredAt: new Date(0).toISOString(),
      refreshedAt: new Date(0).toISOString(),
      statusFile: running,
    };
    await mkdir(path.join(state, 'locks'));
    await writeFile(path.join(state, 'locks', '0123.lock'), JSON.stringify(holder));
    await writeFile(path.join(state, 'locks', 'torn.lock'), '{"host":');

    const found = statusFilesOf(await findStatusFiles([state]), 'RMI25320');

    expect(found.map((entry) => entry.path)).toEqual([running, earlier]);
  });
});

describe('statusFilesOf', () => {
  it("keeps one project's files, its key in any case", () => {
    const found = [
      { path: 'a', projectKey: 'RMI25320', modifiedMs: 2 },
      { path: 'b', projectKey: 'RMI25321', modifiedMs: 1 },
      { path: 'c', projectKey: undefined, modifiedMs: 0 },
    ];

    expect(statusFilesOf(found, 'rmi25320').map((entry) => entry.path)).toEqual(['a']);
  });
});
