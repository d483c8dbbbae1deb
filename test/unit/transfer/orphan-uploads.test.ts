/** Which other open uploads of a key a run that completed its own may take for orphans. */
import { describe, expect, it } from 'vitest';
import { orphanCandidates } from '../../../src/transfer/orphan-uploads.js';

const KEY = 'P/reels/R001/R001.mp4';
const NOW = Date.parse('2026-12-06T12:00:00Z');
const MINUTE = 60_000;
const ours = { key: KEY, uploadId: 'ours', startedMs: NOW - 30 * MINUTE };
const upload = (uploadId: string, initiatedMs: number, key = KEY) => ({ key, uploadId, initiatedMs });

describe('orphanCandidates', () => {
  it('takes uploads started in the minutes before ours, and those over a day old', () => {
    const open = [
      upload('ours', ours.startedMs),
      upload('retried', ours.startedMs - 2 * MINUTE),
      upload('yesterday', NOW - 25 * 60 * MINUTE),
    ];
    expect(orphanCandidates(open, ours, NOW)).toEqual({
      stale: [open[2]],
      startedWithOurs: [open[1]],
    });
  });

  it('takes one started just before ours though its Initiated reads 2 s after our start as we reckon it', () => {
    // our start on the server's clock comes from a Date header cut to its second; Swift rounds Initiated up
    const retried = upload('retried', ours.startedMs + 1_950);
    expect(orphanCandidates([retried], ours, NOW).startedWithOurs).toEqual([retried]);
  });

  it('leaves uploads started well before or after ours within the day, and other keys', () => {
    const open = [
      upload('an hour before', ours.startedMs - 60 * MINUTE),
      upload('after', ours.startedMs + 5 * MINUTE),
      upload('other key', ours.startedMs - MINUTE, `${KEY}.json`),
    ];
    expect(orphanCandidates(open, ours, NOW)).toEqual({ stale: [], startedWithOurs: [] });
  });
});
