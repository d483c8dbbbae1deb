import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartSizeLimits } from '../../../src/state/part-size-limits.js';

const MiB = 1024 ** 2;
let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'part-limits-'));
});
afterEach(() => rm(stateDir, { recursive: true, force: true }));

describe('PartSizeLimits', () => {
  it('keeps a limit per endpoint across instances, the latest one for each', async () => {
    const at = new Date('2026-12-07T10:00:00Z');
    await new PartSizeLimits(path.join(stateDir, 'new-folder')).save('http://127.0.0.1:9000', 8 * MiB, at);
    const limits = new PartSizeLimits(path.join(stateDir, 'new-folder'));
    await limits.save('aws', 64 * MiB, at);
    await limits.save('http://127.0.0.1:9000', 5 * MiB, at);

    const again = new PartSizeLimits(path.join(stateDir, 'new-folder'));
    expect(await again.load('http://127.0.0.1:9000')).toEqual({
      bytes: 5 * MiB,
      learnedAt: '2026-12-07T10:00:00.000Z',
    });
    expect((await again.load('aws'))?.bytes).toBe(64 * MiB);
    expect(await again.load('http://elsewhere')).toBeUndefined();
  });

  it('writes the saves of one run in the order they were made: the later, lower limit is the one kept', async () => {
    const limits = new PartSizeLimits(stateDir);
    const saves = [limits.save('aws', 16 * MiB), limits.save('aws', 8 * MiB), limits.save('aws', 5 * MiB)];
    await limits.settled();
    await Promise.all(saves);
    expect((await new PartSizeLimits(stateDir).load('aws'))?.bytes).toBe(5 * MiB);
  });

  it('takes a file it cannot read, or a limit that is no size, for none, and writes over the file', async () => {
    const file = path.join(stateDir, 'part-size-limits.json');
    await writeFile(file, '{not json');
    const limits = new PartSizeLimits(stateDir);
    expect(await limits.load('aws')).toBeUndefined();
    await writeFile(file, JSON.stringify({ aws: { bytes: -1 }, other: { bytes: '5' } }));
    expect(await limits.load('aws')).toBeUndefined();
    expect(await limits.load('other')).toBeUndefined();
    await limits.save('aws', 5 * MiB);
    expect(JSON.parse(await readFile(file, 'utf8')).aws.bytes).toBe(5 * MiB);
  });
});
