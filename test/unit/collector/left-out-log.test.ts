import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { writeLeftOutList } from '../../../src/collector/left-out-log.js';

describe('writeLeftOutList', () => {
  it('lists every left-out file with its reason, names with commas and quotes intact', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'left-out-')), 'left-out.csv');
    await writeLeftOutList(file, [
      { path: '/p/reels/R001/notes, "draft".docx', reason: 'extension', detail: 'reels' },
      { path: '/p/misc', reason: 'not a folder type' },
    ]);
    const rows = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      { file: '/p/reels/R001/notes, "draft".docx', reason: 'extension', detail: 'reels' },
      { file: '/p/misc', reason: 'not a folder type', detail: '' },
    ]);
  });

  it('names the file and the flag when it cannot write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'left-out-'));
    await expect(writeLeftOutList(dir, [])).rejects.toThrow(/write left-out list .*--log-left-out/);
  });
});
