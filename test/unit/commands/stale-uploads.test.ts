import { describe, expect, it } from 'vitest';
import { staleUploads } from '../../../src/commands/stale-uploads.js';

const NOW = Date.parse('2026-12-05T13:14:08.573Z');
const HOUR = 3_600_000;

function upload(key: string, initiated: string): { key: string; initiatedMs: number } {
  return { key, initiatedMs: Date.parse(initiated) };
}

describe('staleUploads', () => {
  it('takes every upload with --older-than 0, one whose Initiated a server rounded up to the next second too', () => {
    const justStarted = upload('a', '2026-12-05T13:14:09.000Z');
    const older = upload('b', '2026-12-05T12:00:00.000Z');
    expect(staleUploads([justStarted, older], NOW, 0)).toEqual([justStarted, older]);
  });

  it('takes with --older-than 0 one that reads 2 s after our reckoning (a Date cut to its second, Initiated rounded up)', () => {
    const rounded = { key: 'c', initiatedMs: NOW + 1_950 };
    expect(staleUploads([rounded], NOW, 0)).toEqual([rounded]);
  });

  it('leaves an upload younger than the threshold by more than the rounding', () => {
    const young = upload('young', '2026-12-05T12:50:00.000Z');
    const old = upload('old', '2026-12-05T12:14:08.000Z');
    expect(staleUploads([young, old], NOW, HOUR / 2)).toEqual([old]);
  });

  it('measures ages on the time it is given, the server clock, not the machine clock', () => {
    const tenMinutesOld = upload('in-flight', '2026-12-05T13:04:08.000Z');
    const machineFortyMinutesAhead = NOW + 40 * 60_000;
    expect(staleUploads([tenMinutesOld], machineFortyMinutesAhead, HOUR / 2)).toHaveLength(1);
    expect(staleUploads([tenMinutesOld], NOW, HOUR / 2)).toEqual([]);
  });
});
