/**
 * When a run stops reading small files in blocking calls: the time each read took comes from a clock the test
 * drives, so the decision is checked without depending on the machine's disk or load.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WholeFileReader } from '../../../src/transfer/whole-file-reader.js';
import { makeTempDir, removeTempDirs, writeFiles } from '../../support/fixtures.js';

const CONTENT = randomBytes(10_000);
let file: string;
let identity: { sizeBytes: number; mtimeMs: number };

beforeAll(async () => {
  [file] = (await writeFiles(await makeTempDir('whole-file-reader'), { 'a.json': CONTENT })) as [string];
  const info = await stat(file);
  identity = { sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) };
});

afterAll(removeTempDirs);

/** A clock whose reads take the given times in turn (ms), then the last one for ever. */
function clockOf(readTimesMs: readonly number[]): () => number {
  let now = 0;
  let calls = 0;
  return () => {
    // each read looks at the clock twice: before and after
    const read = Math.floor(calls / 2);
    if (calls % 2 === 1) now += readTimesMs[Math.min(read, readTimesMs.length - 1)]!;
    calls += 1;
    return now;
  };
}

async function readTimes(reader: WholeFileReader, count: number): Promise<boolean[]> {
  const blocking: boolean[] = [];
  for (let i = 0; i < count; i += 1) {
    blocking.push(reader.blocking);
    expect((await reader.read(file, identity)).equals(CONTENT)).toBe(true);
  }
  return blocking;
}

/** Whether a setImmediate callback queued before the read ran before the read finished. */
async function loopTurnedDuringRead(reader: WholeFileReader): Promise<boolean> {
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  await reader.read(file, identity);
  return turned;
}

describe('WholeFileReader', () => {
  it('keeps reading in blocking calls while the disk answers from memory', async () => {
    const reader = new WholeFileReader(undefined, clockOf([0.1]));
    expect(await readTimes(reader, 50)).toEqual(Array(50).fill(true));
  });

  it('moves to the thread pool after the eighth slow read when most reads are slow, and stays there', async () => {
    const told: string[] = [];
    const reader = new WholeFileReader(
      (message) => told.push(message),
      clockOf([5, 5, 5, 5, 5, 5, 5, 5, 0.1]),
    );
    expect(await readTimes(reader, 11)).toEqual([...Array(8).fill(true), false, false, false]);
    expect(reader.blocking).toBe(false);
    expect(told).toEqual([
      '8 of the first 8 small-file reads took over 2 ms: reading small files through the thread pool, several at a time, from now on',
    ]);
  });

  it('is not moved by a busy machine’s odd stall: one slow read in ten', async () => {
    const times = Array.from({ length: 60 }, (_, i) => (i % 10 === 9 ? 8 : 0.1));
    const reader = new WholeFileReader(undefined, clockOf(times));
    expect(await readTimes(reader, 60)).toEqual(Array(60).fill(true));
  });

  it('moves once slow reads reach one in four of all reads, not at the eighth slow one', async () => {
    // from read 20 on every other read is slow: after read 38, 10 of 39 reads were slow, the first time >= 1 in 4
    const times = Array.from({ length: 50 }, (_, i) => (i >= 20 && i % 2 === 0 ? 8 : 0.1));
    const reader = new WholeFileReader(undefined, clockOf(times));
    const blocking = await readTimes(reader, 50);
    expect(blocking.indexOf(false)).toBe(39);
    expect(blocking.slice(39).every((b) => !b)).toBe(true);
  });

  it('reads in blocking calls at first, through the thread pool once moved: only then does the event loop turn', async () => {
    const reader = new WholeFileReader(undefined, clockOf([5]));
    expect(await loopTurnedDuringRead(reader)).toBe(false);
    await readTimes(reader, 7);
    expect(reader.blocking).toBe(false);
    // four trips through the pool (open, read, stat, close) take at least as many turns of the loop
    expect(await loopTurnedDuringRead(reader)).toBe(true);
  });
});
