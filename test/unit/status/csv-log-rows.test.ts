import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import {
  CSV_LOG_COLUMNS,
  formatRows,
  HEADER_LINE,
  toCsvRecord,
  type CsvLogRow,
} from '../../../src/status/csv-log-rows.js';

const AWKWARD = [
  'plain',
  'a,b',
  'say "hi"',
  '"',
  'two\nlines',
  'cr\rhere',
  'crlf\r\n',
  '',
  ' ',
  'ünï©ødé, "x"',
];

function row(index: number): CsvLogRow {
  const pick = (offset: number) => AWKWARD[(index + offset) % AWKWARD.length]!;
  return {
    time: '2026-12-02T09:00:00.000Z',
    file: `/data/${pick(0)}`,
    key: `P1/${pick(1)}`,
    sizeBytes: index,
    mtimeMs: 1_700_000_000_000 + index,
    outcome: index % 3 === 0 ? 'failed' : 'skipped',
    reason: pick(2),
    seconds: index / 7,
    ...(index % 2 === 0 ? { sha256: 'ab'.repeat(32), etag: 'cd'.repeat(16) } : {}),
    ...(index % 3 === 0 ? { error: pick(3) } : {}),
    ...(index % 4 === 0 ? {} : { target: { endpoint: 'http://127.0.0.1:9000', bucket: pick(4) } }),
  };
}

describe('formatRows', () => {
  it('writes the same text as csv-stringify, quotes, commas and line breaks included', () => {
    const rows = Array.from({ length: 60 }, (_, i) => row(i));
    expect(formatRows(rows)).toBe(stringify(rows.map(toCsvRecord)));
    expect(formatRows([])).toBe('');
  });

  it('heads the log with a byte-order mark (Excel reads UTF-8 only after one) and the column names', () => {
    expect(HEADER_LINE).toBe(stringify([[...CSV_LOG_COLUMNS]], { bom: true }));
    expect(HEADER_LINE.startsWith('\uFEFFtime,')).toBe(true);
  });
});
