import { describe, expect, it } from 'vitest';
import { FilesInFlight } from '../../../src/status/files-in-flight.js';

const T0_MS = 1_730_182_741_000;

describe('FilesInFlight', () => {
  it('counts new bytes once, up to the size, and resent bytes not at all; none of them as stored', () => {
    const files = new FilesInFlight();
    expect(files.start('reels', 'a.mp4', 100)).toEqual({ countedBytes: 0, resumedBytes: 0 });
    const sent = files.sentCallback('reels', 'a.mp4');

    expect(sent(60, 'new', T0_MS)).toBe(0);
    expect(sent(30, 'resent', T0_MS)).toBe(0);
    // a transfer that starts the file over sends its bytes again: past the size they count nothing more
    expect(sent(60, 'new', T0_MS)).toBe(0);
    expect(files.view().entries).toEqual([
      { file: 'a.mp4', group: 'reels', bytes: 100, size: 100, bytes_stored: 0 },
    ]);
  });

  it('counts as stored what an earlier run stored and each range the server answered for, never past the bytes', () => {
    const files = new FilesInFlight();
    files.start('reels', 'a.mp4', 100);
    files.addResumed('reels', 'a.mp4', 20);
    const sent = files.sentCallback('reels', 'a.mp4');
    sent(30, 'new', T0_MS);
    // what the server confirmed is returned: the tracker counts it as uploaded
    expect(sent(30, 'stored', T0_MS)).toBe(30);
    sent(25, 'new', T0_MS);
    expect(files.view().entries[0]).toMatchObject({ bytes: 75, bytes_stored: 50 });
    // the range in flight is cut off: its bytes go, the stored ones stay
    sent(25, 'withdrawn', T0_MS);
    expect(sent(99, 'stored', T0_MS)).toBe(0);
    expect(files.view().entries[0]).toMatchObject({ bytes: 50, bytes_stored: 50 });
  });

  it('counts nothing for a file not in flight', () => {
    const files = new FilesInFlight();
    expect(files.sentCallback('reels', 'gone.mp4')(10, 'new', T0_MS)).toBe(0);
    files.addResumed('reels', 'gone.mp4', 10);
    files.setRetry(
      'reels',
      'gone.mp4',
      { what: 'upload k', attempt: 1, attempts: 3, delayMs: 5, reason: 'r' },
      T0_MS,
    );
    expect(files.finish('reels', 'gone.mp4')).toBeUndefined();
    expect(files.view()).toEqual({ entries: [], current: undefined, bytes: 0 });
  });

  it("gives back what a file started over had counted of this run's bytes and as resumed, and moves it last", () => {
    const files = new FilesInFlight();
    files.start('reels', 'a.mp4', 100);
    files.start('reels', 'b.mp4', 100);
    files.addResumed('reels', 'a.mp4', 30);
    const sent = files.sentCallback('reels', 'a.mp4');
    sent(50, 'new', T0_MS);
    sent(40, 'stored', T0_MS);

    expect(files.start('reels', 'a.mp4', 100)).toEqual({ countedBytes: 40, resumedBytes: 30 });
    expect(files.view().entries.map((entry) => entry.file)).toEqual(['b.mp4', 'a.mp4']);
    expect(files.view().bytes).toBe(0);
  });

  it('tells on finishing what an earlier run stored and what this run counted', () => {
    const files = new FilesInFlight();
    files.start('reels', 'a.mp4', 100);
    files.addResumed('reels', 'a.mp4', 40);
    const sent = files.sentCallback('reels', 'a.mp4');
    sent(25, 'new', T0_MS);
    sent(20, 'stored', T0_MS);

    expect(files.finish('reels', 'a.mp4')).toEqual({ resumedBytes: 40, countedBytes: 20 });
    expect(files.finish('reels', 'a.mp4')).toBeUndefined();
  });

  it('keeps files of the same path in two groups apart', () => {
    const files = new FilesInFlight();
    files.start('R001', 'x.log', 10);
    files.start('R002', 'x.log', 20);
    files.sentCallback('R002', 'x.log')(5, 'new', T0_MS);
    expect(files.view().entries.map(({ group, bytes }) => [group, bytes])).toEqual([
      ['R001', 0],
      ['R002', 5],
    ]);
  });

  it('shows a retry until the file sends a byte after its time', () => {
    const files = new FilesInFlight();
    files.start('reels', 'a.mp4', 100);
    files.setRetry(
      'reels',
      'a.mp4',
      { what: 'upload k', attempt: 2, attempts: 10, delayMs: 4_000, reason: 'ECONNRESET' },
      T0_MS,
    );
    const sent = files.sentCallback('reels', 'a.mp4');

    expect(files.view().entries[0]?.retry).toEqual({
      attempt: 2,
      attempts: 10,
      reason: 'ECONNRESET',
      resume_at: (T0_MS + 4_000) / 1000,
    });
    sent(1, 'new', T0_MS + 3_999);
    expect(files.view().entries[0]?.retry).toBeDefined();
    sent(1, 'resent', T0_MS + 4_000);
    expect(files.view().entries[0]?.retry).toBeUndefined();
  });

  it('makes the largest file current, the earliest started of equal ones, and sums the bytes of all', () => {
    const files = new FilesInFlight();
    files.start('logs', 'small.log', 10);
    files.start('reels', 'reel1.mp4', 1_000);
    files.start('reels', 'reel2.mp4', 1_000);
    files.sentCallback('logs', 'small.log')(10, 'new', T0_MS);
    files.sentCallback('reels', 'reel2.mp4')(300, 'new', T0_MS);

    const view = files.view();
    expect(view.current?.file).toBe('reel1.mp4');
    expect(view.bytes).toBe(310);
  });

  it('hands out copies that later changes leave alone', () => {
    const files = new FilesInFlight();
    files.start('reels', 'a.mp4', 100);
    files.setRetry(
      'reels',
      'a.mp4',
      { what: 'upload k', attempt: 1, attempts: 3, delayMs: 1, reason: 'r' },
      T0_MS,
    );
    const before = files.view();
    files.sentCallback('reels', 'a.mp4')(50, 'new', T0_MS + 10);

    expect(before.entries[0]).toMatchObject({ bytes: 0, retry: { attempt: 1 } });
    expect(before.current?.bytes).toBe(0);
  });
});
