import { describe, expect, it } from 'vitest';
import { StatusTracker, type FileResult } from '../../../src/status/status-tracker.js';
import { countLeftOut, formatSummary, listFailures } from '../../../src/status/summary.js';

const MiB = 1024 * 1024;

function result(overrides: Partial<FileResult>): FileResult {
  return {
    group: 'reels',
    path: 'reels/a.mp4',
    key: 'P1/reels/a.mp4',
    sizeBytes: MiB,
    mtimeMs: 0,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 1,
    ...overrides,
  };
}

function skipped(overrides: Partial<FileResult>): FileResult & { outcome: 'skipped' } {
  return { ...result(overrides), outcome: 'skipped' };
}

function finishedRun(): StatusTracker {
  const tracker = new StatusTracker({ now: () => 1_000_000 });
  tracker.setTotals(5, 15 * MiB);
  tracker.startGroup('reels', 3, 12 * MiB);
  tracker.startGroup('config', 2, 3 * MiB);
  tracker.startFile('reels', 'reels/a.mp4', 10 * MiB);
  tracker.fileProgressCallback('reels', 'reels/a.mp4')(10 * MiB);
  tracker.fileDone(result({ path: 'reels/a.mp4', sizeBytes: 10 * MiB }));
  tracker.noteSkip(skipped({ path: 'reels/b.mp4', reason: 'unchanged', sizeBytes: 2 * MiB }));
  tracker.fileDone(
    result({ path: 'reels/c.mp4', key: 'P1/reels/c.mp4', outcome: 'failed', sizeBytes: 0, error: 'timeout' }),
  );
  tracker.noteSkip(skipped({ group: 'config', path: 'c.yaml', reason: 'unchanged', sizeBytes: MiB }));
  tracker.fileDone(
    result({ group: 'config', path: 'd.yaml', outcome: 'failed', sizeBytes: 2 * MiB, error: 'denied' }),
  );
  tracker.setPhase('failed');
  return tracker;
}

/** A run that uploaded 15 small logs, 182 bytes in all. */
function logsRun(): StatusTracker {
  const tracker = new StatusTracker({ now: () => 1_000_000 });
  tracker.setTotals(15, 182);
  tracker.startGroup('logs', 15, 182);
  for (let i = 0; i < 15; i++) {
    tracker.fileDone(result({ group: 'logs', path: `log${i}.txt`, sizeBytes: i === 0 ? 14 : 12 }));
  }
  tracker.setPhase('completed');
  return tracker;
}

/** The lines between the title and the sent line: the groups' table or records. */
function groupLines(lines: readonly string[]): string[] {
  const start = lines.indexOf('') + 1;
  return lines.slice(start, lines.indexOf('', start));
}

describe('formatSummary', () => {
  it('shows per-group and total files and bytes, elapsed time and average rate', () => {
    const text = formatSummary(finishedRun().snapshot(), 125_000);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Upload failed in 2m05s: 5 files planned');
    const row = (name: string): string[] =>
      (lines.find((line) => line.startsWith(`${name} `)) ?? '').split(/\s{2,}/);
    expect(row('reels')).toEqual(['reels', '1 (10.0 MiB)', '1 (2.0 MiB)', '1 (0 B)']);
    expect(row('config')).toEqual(['config', '0 (0 B)', '1 (1.0 MiB)', '1 (2.0 MiB)']);
    expect(row('total')).toEqual(['total', '1 (10.0 MiB)', '2 (3.0 MiB)', '2 (2.0 MiB)']);
    expect(lines.at(-1)).toBe('Sent 10.0 MiB in 2m05s (average 81.9 KiB/s)');
  });

  it('breaks its sentences at spaces to fit a narrow terminal', () => {
    const lines = formatSummary(finishedRun().snapshot(), 125_000, [], 24).split('\n');
    expect(lines.slice(0, 2)).toEqual(['Upload failed in 2m05s:', '  5 files planned']);
    expect(lines.slice(-2)).toEqual(['Sent 10.0 MiB in 2m05s', '  (average 81.9 KiB/s)']);
    expect(lines.every((line) => line.length <= 24)).toBe(true);
  });

  it('gives each folder type a record of its own on a terminal narrower than the table', () => {
    const lines = formatSummary(logsRun().snapshot(), 2_000, [], 40).split('\n');
    expect(groupLines(lines)).toEqual([
      'logs: uploaded 15 (182 B),',
      '  skipped 0 (0 B), failed 0 (0 B)',
      'total: uploaded 15 (182 B),',
      '  skipped 0 (0 B), failed 0 (0 B)',
    ]);
    expect(lines.every((line) => line.length <= 40)).toBe(true);
  });

  it('keeps the table on a terminal wide enough for it', () => {
    const lines = formatSummary(logsRun().snapshot(), 2_000, [], 41).split('\n');
    expect(groupLines(lines)).toEqual([
      'folder type    uploaded  skipped   failed',
      '-----------  ----------  -------  -------',
      'logs         15 (182 B)  0 (0 B)  0 (0 B)',
      'total        15 (182 B)  0 (0 B)  0 (0 B)',
    ]);
  });

  it('keeps the table off a terminal (a file, a pipe), however long its lines', () => {
    const text = formatSummary(logsRun().snapshot(), 2_000);
    expect(text.split('\n')).toContain('logs         15 (182 B)  0 (0 B)  0 (0 B)');
    expect(text).not.toContain('logs:');
  });

  it('counts the bytes uploaded once, and says how much more went on the wire', () => {
    const tracker = finishedRun();
    tracker.startFile('reels', 'reels/e.mp4', 4 * MiB);
    const onBytes = tracker.fileProgressCallback('reels', 'reels/e.mp4');
    onBytes(3 * MiB);
    tracker.fileRetried('reels', 'reels/e.mp4', {
      what: 'x',
      attempt: 1,
      attempts: 10,
      delayMs: 0,
      reason: 'x',
    });
    onBytes(3 * MiB, 'resent');
    onBytes(MiB);
    tracker.fileDone(result({ path: 'reels/e.mp4', sizeBytes: 4 * MiB }));
    const lines = formatSummary(tracker.snapshot(), 10_000).split('\n');
    expect(lines.at(-1)).toBe(
      'Sent 14.0 MiB in 10s (average 1.4 MiB/s); 1 request sent again; 17.0 MiB on the wire',
    );
  });

  it('uses only ASCII', () => {
    expect(formatSummary(finishedRun().snapshot(), 1_000)).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it('counts what a run stopped part-way left for the next run', () => {
    const tracker = finishedRun();
    tracker.setTotals(8, 40 * MiB);
    tracker.setPhase('interrupted');
    const lines = formatSummary(tracker.snapshot(), 3_000).split('\n');
    expect(lines[0]).toBe('Upload interrupted in 3.0s: 8 files planned');
    const at = lines.indexOf('not done: 3 files (25.0 MiB), left for the next run');
    expect(lines[at - 1]).toMatch(/^total /);
  });

  it('names what a run ended by an error did not get to, without promising it to the next run', () => {
    const tracker = finishedRun();
    tracker.setTotals(8, 40 * MiB);
    const lines = formatSummary(tracker.snapshot(), 3_000).split('\n');
    expect(lines[0]).toBe('Upload failed in 3.0s: 8 files planned');
    expect(lines).toContain('not done: 3 files (25.0 MiB)');
  });

  it('says nothing is left when every planned file was settled', () => {
    expect(formatSummary(finishedRun().snapshot(), 1_000)).not.toContain('not done');
  });

  it('names the group column after the group key, and gives no rate for a run that sent nothing', () => {
    const tracker = new StatusTracker({ groupKey: 'folder_types' });
    const text = formatSummary(tracker.snapshot(), 400);
    expect(text).toContain('folder type');
    expect(text.split('\n').at(-1)).toBe('Sent 0 B in 0.4s');
  });
});

describe('listFailures', () => {
  it('lists each failed file with its key and error', () => {
    expect(listFailures(finishedRun().snapshot())).toEqual([
      'reels/c.mp4 -> P1/reels/c.mp4: timeout',
      'd.yaml -> P1/reels/a.mp4: denied',
    ]);
  });

  it('names the path once when the error starts with it, and keeps an error that names another path', () => {
    const tracker = new StatusTracker();
    tracker.fileDone(
      result({ path: '/p/a.mp4', key: 'P1/a.mp4', outcome: 'failed', error: 'read /p/a.mp4: EIO' }),
    );
    tracker.fileDone(result({ path: '/p/b.mp4', key: '', outcome: 'failed', error: 'read /p/a.mp4: EIO' }));
    expect(listFailures(tracker.snapshot())).toEqual([
      '/p/a.mp4 -> P1/a.mp4: read: EIO',
      '/p/b.mp4: read /p/a.mp4: EIO',
    ]);
  });

  it('counts the failures the snapshot no longer holds', () => {
    const tracker = new StatusTracker();
    for (let i = 0; i < 103; i++) tracker.fileDone(result({ path: `f${i}`, outcome: 'failed', error: 'x' }));
    const lines = listFailures(tracker.snapshot());
    expect(lines).toHaveLength(101);
    expect(lines.at(-1)).toContain('3 earlier failures');
  });
});

describe('the left-out part of the summary', () => {
  it('puts the left-out lines between the table and the sent line', () => {
    const lines = formatSummary(finishedRun().snapshot(), 2_000, ['left out: 1 file (1 too recent)']).split(
      '\n',
    );
    const at = lines.indexOf('left out: 1 file (1 too recent)');
    expect(lines[at - 1]).toMatch(/^total /);
    expect(lines.at(-1)).toMatch(/^Sent /);
  });

  it('counts left-out files by reason, every reason present', () => {
    const counts = countLeftOut([
      { path: 'a.exe', reason: 'extension', detail: 'reels' },
      { path: 'b.exe', reason: 'extension', detail: 'reels' },
      { path: 'misc', reason: 'not a folder type' },
    ]);
    expect(counts).toEqual({
      extension: 2,
      'not a folder type': 1,
      'not a regular file': 0,
      'link loop': 0,
      'system folder': 0,
      'system file': 0,
      'too recent': 0,
    });
  });
});
