import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { writeLeftOutList } from '../../../src/collector/left-out-log.js';

const failOnHeld = (message: string) => {
  throw new Error(`unexpected: ${message}`);
};

describe('writeLeftOutList', () => {
  it('lists every left-out file with its reason, names with commas and quotes intact', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'left-out-')), 'left-out.csv');
    await writeLeftOutList(
      file,
      [
        { path: '/p/reels/R001/notes, "draft".docx', reason: 'extension', detail: 'reels' },
        { path: '/p/misc', reason: 'not a folder type' },
      ],
      failOnHeld,
    );
    const rows = parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as Record<
      string,
      string
    >[];
    expect(rows).toEqual([
      { file: '/p/reels/R001/notes, "draft".docx', reason: 'extension', detail: 'reels' },
      { file: '/p/misc', reason: 'not a folder type', detail: '' },
    ]);
  });

  it('names the file and the flag when it cannot write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'left-out-'));
    await expect(writeLeftOutList(dir, [], failOnHeld)).rejects.toThrow(
      /write left-out list .*--log-left-out/,
    );
  });

  it('leaves a list another program holds as it was and says so, without failing the run', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'left-out-')), 'left-out.csv');
    await writeFile(file, 'file,reason,detail\n');
    const held = Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' });
    const said: string[] = [];
    await writeLeftOutList(file, [{ path: '/p/misc', reason: 'not a folder type' }], (m) => said.push(m), {
      delaysMs: [],
      fs: { rename: () => Promise.reject(held) },
    });
    expect(said).toEqual([expect.stringMatching(/^left-out list .* is held by another program/)]);
    expect(await readFile(file, 'utf8')).toBe('file,reason,detail\n');
    expect(await readdir(dirname(file))).toEqual(['left-out.csv']);
  });
});
