import { describe, expect, it } from 'vitest';
import { formatTable, formatTableToFit } from '../../../src/status/text-table.js';

const ROWS = [
  ['folder type', 'uploaded', 'skipped', 'failed'],
  ['logs', '15 (182 B)', '0 (0 B)', '0 (0 B)'],
  ['gis_data', '1204 (12.3 GiB)', '3 (1.0 KiB)', '0 (0 B)'],
];
const ALIGN = ['left', 'right', 'right', 'right'] as const;

describe('formatTable', () => {
  it('lines up text left and numbers right under a dashed rule', () => {
    expect(formatTable(ROWS, ALIGN)).toEqual([
      'folder type         uploaded      skipped   failed',
      '-----------  ---------------  -----------  -------',
      'logs              15 (182 B)      0 (0 B)  0 (0 B)',
      'gis_data     1204 (12.3 GiB)  3 (1.0 KiB)  0 (0 B)',
    ]);
  });

  it('counts a wide character as the two columns a terminal draws, so the columns still line up', () => {
    const lines = formatTable(
      [
        ['file', 'size'],
        ['映像.mp4', '1 GiB'],
        ['a.mp4', '2 GiB'],
      ],
      ['left', 'right'],
    );
    expect(lines).toEqual(['file       size', '--------  -----', '映像.mp4  1 GiB', 'a.mp4     2 GiB']);
  });
});

describe('formatTableToFit', () => {
  it('keeps the table when every line fits the width', () => {
    expect(formatTableToFit(ROWS, ALIGN, 50)).toEqual(formatTable(ROWS, ALIGN));
  });

  it('keeps the table without a width, however long its lines', () => {
    expect(formatTableToFit(ROWS, ALIGN)).toEqual(formatTable(ROWS, ALIGN));
  });

  it('makes each row a record, broken between its cells, when the table is wider than the width', () => {
    expect(formatTableToFit(ROWS, ALIGN, 49)).toEqual([
      'logs: uploaded 15 (182 B), skipped 0 (0 B),',
      '  failed 0 (0 B)',
      'gis_data: uploaded 1204 (12.3 GiB),',
      '  skipped 3 (1.0 KiB), failed 0 (0 B)',
    ]);
  });

  it('puts each cell on a line of its own in a very narrow terminal, and breaks one no line holds at its spaces', () => {
    const lines = formatTableToFit(ROWS, ALIGN, 16);
    expect(lines.slice(0, 5)).toEqual(['logs:', '  uploaded 15', '  (182 B),', '  skipped 0 (0', '  B),']);
    expect(lines.every((line) => line.length <= 16)).toBe(true);
  });

  it('measures wide characters by the columns they take', () => {
    // 13 columns: the name takes two columns a character, so its column is 6 wide
    const rows = [
      ['reel', 'files'],
      ['東京湾', '12'],
    ];
    expect(formatTableToFit(rows, ['left', 'right'], 13)).toEqual(formatTable(rows, ['left', 'right']));
    expect(formatTableToFit(rows, ['left', 'right'], 12)).toEqual(['東京湾:', '  files 12']);
  });
});
