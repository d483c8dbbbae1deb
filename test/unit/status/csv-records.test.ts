import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { CsvRecordReader } from '../../../src/status/csv-records.js';

/** The records `chunks` give when pushed one after another. */
function read(chunks: readonly string[]): string[][] {
  const records: string[][] = [];
  const reader = new CsvRecordReader((record) => records.push(record));
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return records;
}

/** `text` cut into pieces of `size` characters. */
function cut(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const PIECES = ['a', 'reels/R001.mp4', ',', '"', '""', '\n', '\r\n', 'Café', '😀', ' ', '12', ''];

function randomRecords(next: () => number, count: number): string[][] {
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(next() * 13) }, () =>
      Array.from({ length: Math.floor(next() * 4) }, () => PIECES[Math.floor(next() * PIECES.length)]).join(
        '',
      ),
    ),
  ).filter((record) => record.length > 1 || record[0] !== '');
}

describe('CsvRecordReader', () => {
  it('reads back what csv-stringify wrote, however the text is cut into chunks', () => {
    const next = random(16);
    for (let round = 0; round < 40; round++) {
      const records = randomRecords(next, 30);
      const text = stringify(records);
      for (const size of [1, 2, 3, 7, 64, text.length]) expect(read(cut(text, size))).toEqual(records);
    }
  });

  it('reads CRLF lines, drops a byte order mark and skips empty lines', () => {
    expect(read(['\uFEFFtime,file\r\n', '\r\n', 'a,"b\r\nc"\r\n', '\n', 'd,e'])).toEqual([
      ['time', 'file'],
      ['a', 'b\r\nc'],
      ['d', 'e'],
    ]);
  });

  it('skips a record with a stray quote to the end of its line and reads on', () => {
    expect(read(['a,b"c,d\n', 'e,"f"g,h\n', 'i,j\n'])).toEqual([['i', 'j']]);
  });

  it('ends at a quoted field the end of the text leaves open, keeping the records before it', () => {
    expect(read(['a,b\n', 'c,"torn', ' row\n'])).toEqual([['a', 'b']]);
  });

  it('reads a last record without a line break, quoted field last', () => {
    expect(read(['a,"b""c"'])).toEqual([['a', 'b"c']]);
    expect(read(['a,b'])).toEqual([['a', 'b']]);
  });
});
