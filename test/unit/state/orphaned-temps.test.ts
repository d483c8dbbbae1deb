/**
 * Removing the temp files a killed run left beside the files it replaces, on real temp folders, with the
 * writer's liveness and the clock given by the test.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ORPHAN_MIN_AGE_MS,
  removeOrphanedRunTemps,
  removeOrphanedTemps,
} from '../../../src/state/orphaned-temps.js';
import { parseTempName, replaceFile } from '../../../src/state/replace-file.js';

const DEAD = 4_000_001;
const ALIVE = 4_000_002;
const isAlive = (pid: number): boolean => pid === ALIVE;
const NOW = Date.parse('2026-12-07T12:00:00Z');

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orphaned-temps-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `name` in `folder`, last modified `ageMs` before NOW. */
async function fileAged(folder: string, name: string, ageMs: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, name), 'partial');
  const at = new Date(NOW - ageMs);
  await utimes(join(folder, name), at, at);
}

const OLD = ORPHAN_MIN_AGE_MS + 1000;

describe('removeOrphanedTemps', () => {
  it('removes an old temp file whose writer is gone, and keeps every other file', async () => {
    await fileAged(dir, `hash-cache.json.${DEAD}.0a1b2c3d.tmp`, OLD);
    await fileAged(dir, `hash-cache.json.${ALIVE}.0a1b2c3e.tmp`, OLD);
    await fileAged(dir, `status.json.${DEAD}.0a1b2c3f.tmp`, ORPHAN_MIN_AGE_MS - 1000);
    await fileAged(dir, 'hash-cache.json', OLD);
    await fileAged(dir, 'notes.tmp', OLD);
    await fileAged(dir, `photo.${DEAD}.tmp`, OLD);
    await mkdir(join(dir, `folder.${DEAD}.00000000.tmp`));

    const removed = await removeOrphanedTemps(dir, { isAlive, nowMs: NOW });

    expect(removed).toEqual([join(dir, `hash-cache.json.${DEAD}.0a1b2c3d.tmp`)]);
    expect((await readdir(dir)).sort()).toEqual(
      [
        `folder.${DEAD}.00000000.tmp`,
        'hash-cache.json',
        `hash-cache.json.${ALIVE}.0a1b2c3e.tmp`,
        'notes.tmp',
        `photo.${DEAD}.tmp`,
        `status.json.${DEAD}.0a1b2c3f.tmp`,
      ].sort(),
    );
  });

  it('takes only the temp files of the target it is given', async () => {
    await fileAged(dir, `status.json.${DEAD}.11111111.tmp`, OLD);
    await fileAged(dir, `report.xlsx.${DEAD}.22222222.tmp`, OLD);

    const removed = await removeOrphanedTemps(dir, { target: 'status.json', isAlive, nowMs: NOW });

    expect(removed).toEqual([join(dir, `status.json.${DEAD}.11111111.tmp`)]);
    expect(await readdir(dir)).toEqual([`report.xlsx.${DEAD}.22222222.tmp`]);
  });

  it('finds nothing to remove in a folder that does not exist', async () => {
    expect(await removeOrphanedTemps(join(dir, 'absent'), { isAlive, nowMs: NOW })).toEqual([]);
  });
});

describe('removeOrphanedRunTemps', () => {
  it("sweeps the state folder, its journals and locks, and each of the run's own files", async () => {
    const state = join(dir, 'state');
    const reports = join(dir, 'reports');
    await fileAged(state, `hash-cache.json.${DEAD}.aaaaaaaa.tmp`, OLD);
    await fileAged(join(state, 'journals'), `0f0f.json.${DEAD}.bbbbbbbb.tmp`, OLD);
    await fileAged(join(state, 'locks'), `run.lock.${DEAD}.cccccccc.tmp`, OLD);
    await fileAged(join(state, 'runs'), `elsewhere.json.${DEAD}.dddddddd.tmp`, OLD);
    await fileAged(reports, `status.json.${DEAD}.eeeeeeee.tmp`, OLD);
    await fileAged(reports, `budget.xlsx.${DEAD}.ffffffff.tmp`, OLD);

    const removed = await removeOrphanedRunTemps(state, [join(reports, 'status.json')], {
      isAlive,
      nowMs: NOW,
    });

    expect(removed.sort()).toEqual(
      [
        join(state, `hash-cache.json.${DEAD}.aaaaaaaa.tmp`),
        join(state, 'journals', `0f0f.json.${DEAD}.bbbbbbbb.tmp`),
        join(state, 'locks', `run.lock.${DEAD}.cccccccc.tmp`),
        join(reports, `status.json.${DEAD}.eeeeeeee.tmp`),
      ].sort(),
    );
    expect(await readdir(join(state, 'runs'))).toEqual([`elsewhere.json.${DEAD}.dddddddd.tmp`]);
    expect(await readdir(reports)).toEqual([`budget.xlsx.${DEAD}.ffffffff.tmp`]);
  });
});

describe('parseTempName', () => {
  it('reads back the target and pid of the temp name replaceFile writes', async () => {
    const written: string[] = [];
    await replaceFile(join(dir, 'status.json'), '{}', {
      fs: {
        writeNew: async (file) => {
          written.push(file);
          await writeFile(file, '{}');
        },
      },
    });
    const name = written[0]!.slice(dir.length + 1);
    expect(parseTempName(name)).toEqual({ target: 'status.json', pid: process.pid });
    expect(parseTempName('status.json')).toBeUndefined();
  });
});
