import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StatusTracker, type FileResult } from '../../../src/status/status-tracker.js';
import { startTerminalView, type ViewMode } from '../../../src/status/terminal-view.js';

const MiB = 1024 * 1024;
const STAMP = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`;
const ESC = '\x1b';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return () => text;
}

function result(overrides: Partial<FileResult>): FileResult {
  return {
    group: 'reels',
    path: 'reels/R001/a.mp4',
    key: 'P1/reels/R001/a.mp4',
    sizeBytes: 12 * MiB,
    mtimeMs: 0,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 1.2,
    ...overrides,
  };
}

function skipped(overrides: Partial<FileResult>): FileResult & { outcome: 'skipped' } {
  return { ...result(overrides), outcome: 'skipped' };
}

function startView(mode: ViewMode, intervalMs: number, color = false) {
  const tracker = new StatusTracker({ groupKey: 'reels' });
  const stream = new PassThrough();
  const output = collect(stream);
  const view = startTerminalView(tracker, { mode, stream, color, intervalMs });
  return { tracker, stream, output, view };
}

describe('plain view', () => {
  it('prints a timestamped line per finished file and a periodic total line', async () => {
    const { tracker, output, view } = startView('plain', 20);
    tracker.setTotals(2, 24 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'reels/R001/a.mp4', 12 * MiB);
    tracker.fileDone(result({}));
    tracker.fileDone(result({ path: 'reels/R001/b.mp4', outcome: 'failed', error: 'connection reset' }));
    await sleep(60);
    view.stop();
    const text = output();
    expect(text).toMatch(new RegExp(`^${STAMP} phase uploading$`, 'm'));
    expect(text).toMatch(
      new RegExp(
        `^${STAMP} uploaded reels/R001/a\\.mp4 -> P1/reels/R001/a\\.mp4 \\(12\\.0 MiB, 1\\.2s\\)$`,
        'm',
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `^${STAMP} failed reels/R001/b\\.mp4 -> P1/reels/R001/a\\.mp4 \\(12\\.0 MiB\\): connection reset$`,
        'm',
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `^${STAMP} progress 1/2 files \\(1 uploaded, 0 skipped, 1 failed\\), 12\\.0 MiB\\/24\\.0 MiB \\(50\\.0%\\)`,
        'm',
      ),
    );
    expect(text).not.toContain(ESC);
  });

  it('sums up many skipped files in one line per group', async () => {
    const { tracker, output, view } = startView('plain', 60_000);
    tracker.startGroup('R001', 1000, 1000 * MiB);
    for (let i = 0; i < 1000; i++) {
      const reason = i % 10 === 0 ? 'same-etag' : 'unchanged';
      tracker.noteSkip(skipped({ group: 'R001', path: `f${i}`, reason, sizeBytes: MiB }));
    }
    tracker.completeGroup('R001');
    view.stop();
    const lines = output().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${STAMP} skipped 1000 files in R001 \\(1000\\.0 MiB\\): same-etag \\(100\\); unchanged \\(900\\)$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^${STAMP} done R001: 0 uploaded, 1000 skipped, 0 failed$`));
  });

  it('names the one reason of a batch of skipped files without a count that would read as part of it', async () => {
    const { tracker, output, view } = startView('plain', 60_000);
    tracker.startGroup('reels', 1000, 1000 * MiB);
    const reason = 'upload log: sent earlier with the same size and mtime';
    for (let i = 0; i < 1000; i++)
      tracker.noteSkip(skipped({ group: 'reels', path: `f${i}`, reason, sizeBytes: MiB }));
    tracker.completeGroup('reels');
    view.stop();
    const lines = output().trimEnd().split('\n');
    expect(lines[1]).toMatch(
      new RegExp(
        `^${STAMP} skipped 1000 files in reels \\(1000\\.0 MiB\\): upload log: sent earlier with the same size and mtime$`,
      ),
    );
  });

  it('prints a few skipped files one per line, with their reason', async () => {
    const { tracker, output, view } = startView('plain', 60_000);
    tracker.noteSkip(skipped({ path: 'x.mp4', reason: 'unchanged' }));
    tracker.noteSkip(skipped({ path: 'y.mp4', reason: 'same-size' }));
    expect(output()).toBe('');
    view.stop();
    expect(output()).toMatch(
      new RegExp(`^${STAMP} skipped x\\.mp4 -> P1/reels/R001/a\\.mp4 \\(12\\.0 MiB\\): unchanged\\n`),
    );
    expect(output()).toContain('skipped y.mp4 -> P1/reels/R001/a.mp4 (12.0 MiB): same-size');
  });

  it('opens with the destination and shows keys under the project prefix', () => {
    const { tracker, output, view } = startView('plain', 60_000);
    tracker.startRun({
      folder: '/data/P1',
      bucket: 'survey',
      projectPrefix: 'P1/',
      timestampFolder: '20261202_0315',
    });
    tracker.fileDone(result({ path: '/data/P1/reels/R001/a.mp4', key: 'P1/reels/20261202_0315/R001/a.mp4' }));
    view.stop();
    const lines = output().trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^${STAMP} upload /data/P1 -> s3://survey/P1/ \\(timestamp folder 20261202_0315\\)$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${STAMP} uploaded reels/R001/a\\.mp4 -> reels/20261202_0315/R001/a\\.mp4 \\(12\\.0 MiB, 1\\.2s\\)$`,
      ),
    );
  });

  it('names a failed file once when its error starts with the file', () => {
    const { tracker, output, view } = startView('plain', 60_000);
    tracker.startRun({ folder: '/data/P1', bucket: 'survey', projectPrefix: 'P1/' });
    const file = '/data/P1/logs/run.log';
    tracker.fileDone(
      result({ path: file, key: 'P1/logs/run.log', outcome: 'failed', error: `read ${file}: EIO` }),
    );
    view.stop();
    expect(output().trimEnd().split('\n')[1]).toMatch(
      new RegExp(`^${STAMP} failed logs/run\\.log \\(12\\.0 MiB\\): read: EIO$`),
    );
  });
});

describe('file names with control characters', () => {
  const CLEAR = 'reels/\x1b[2Jclear.log';
  const FORGED = 'reels/nl\nfake uploaded line.log';

  function finishNamedFiles(tracker: StatusTracker): void {
    tracker.setTotals(2, 2 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', CLEAR, MiB);
    tracker.fileDone(result({ path: CLEAR, key: `P1/${CLEAR}`, sizeBytes: MiB }));
    tracker.startFile('reels', FORGED, MiB);
    tracker.fileDone(
      result({ path: FORGED, key: 'P1/x', sizeBytes: MiB, outcome: 'failed', error: `read ${FORGED}: gone` }),
    );
  }

  it('escapes them in the plain view: no command reaches the terminal, no line is forged', () => {
    const { tracker, output, view } = startView('plain', 60_000);
    finishNamedFiles(tracker);
    view.stop();
    const lines = output().trimEnd().split('\n');
    expect(output()).not.toContain(ESC);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${STAMP} `));
    expect(lines).toContainEqual(
      expect.stringMatching(/ uploaded reels\/\\x1b\[2Jclear\.log -> P1\/reels\/\\x1b\[2Jclear\.log \(/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/ failed reels\/nl\\nfake uploaded line\.log -> P1\/x \(1\.0 MiB\): read: gone$/),
    );
  });

  it('escapes them in the live view and in the lines it prints above itself', () => {
    const { tracker, stream, output, view } = startView('tty', 60_000);
    Object.assign(stream, { columns: 200, rows: 40 });
    tracker.startFile('reels', `reels/\x1b]0;title\x07cam.mp4`, MiB);
    finishNamedFiles(tracker);
    view.printAbove(`warn could not read ${FORGED}`);
    stream.emit('resize');
    view.stop();
    const text = output();
    expect(text).not.toContain(`${ESC}[2J`);
    expect(text).not.toContain(`${ESC}]`);
    expect(text).toContain('uploaded reels/\\x1b[2Jclear.log -> P1/reels/\\x1b[2Jclear.log (1.0 MiB');
    expect(text).toContain('warn could not read reels/nl\\nfake uploaded line.log\n');
    expect(text).toContain('reels/\\x1b]0;title\\x07cam.mp4');
  });
});

describe('json view', () => {
  it('prints one parseable JSON object per event, plus progress', async () => {
    const { tracker, output, view } = startView('json', 20);
    tracker.setTotals(1, 12 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'reels/R001/a.mp4', 12 * MiB);
    tracker.fileProgressCallback('reels', 'reels/R001/a.mp4')(12 * MiB);
    tracker.fileDone(result({ sha256: 'abc' }));
    await sleep(50);
    view.stop();
    const events = output()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.slice(0, 3).map((event) => event['type'])).toEqual(['phase', 'file-start', 'file-done']);
    expect(events[2]).toMatchObject({
      file: 'reels/R001/a.mp4',
      key: 'P1/reels/R001/a.mp4',
      outcome: 'uploaded',
      reason: 'new',
      size_bytes: 12 * MiB,
      sha256: 'abc',
    });
    expect(events[2]).not.toHaveProperty('error');
    const progress = events.filter((event) => event['type'] === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2); // periodic, and the final one on stop
    expect(progress.at(-1)).toMatchObject({ totals: { uploaded: 1, bytes_uploaded: 12 * MiB } });
    for (const event of events) expect(Date.parse(event['time'] as string)).not.toBeNaN();
  });
});

describe('tty view', () => {
  it('redraws a live block in place and prints finished files above it', async () => {
    const { tracker, stream, output, view } = startView('tty', 10);
    Object.assign(stream, { columns: 60 });
    tracker.setTotals(2, 24 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'D:/survey/projects/P1/reels/R001/a-very-long-file-name-indeed.mp4', 12 * MiB);
    tracker.fileProgressCallback(
      'reels',
      'D:/survey/projects/P1/reels/R001/a-very-long-file-name-indeed.mp4',
    )(6 * MiB);
    await sleep(40);
    tracker.fileDone(result({ path: 'D:/survey/projects/P1/reels/R001/a-very-long-file-name-indeed.mp4' }));
    await sleep(40);
    view.stop();
    const text = output();
    // erased the cursor's row and moved up over the two-line block, erasing its rows
    expect(text).toContain(`\r${ESC}[2K${ESC}[1A${ESC}[2K${ESC}[1A${ESC}[2K`);
    expect(text).toContain('50.0%');
    // at 60 columns the line does not fit: it goes on under itself, breaking the path between folders
    expect(text).toContain(
      'uploaded D:/survey/projects/P1/reels/R001/\n  a-very-long-file-name-indeed.mp4 -> P1/reels/R001/a.mp4\n  (12.0 MiB, 1.2s)\n',
    );
    expect(text).not.toMatch(new RegExp(`${ESC}\\[\\d+m`)); // no colour when color is false
    const drawnLines = text.split(new RegExp(`\\n|\\r|${ESC}\\[\\d*[ABJK]`)).filter((line) => line !== '');
    expect(drawnLines.length).toBeGreaterThan(0);
    for (const line of drawnLines) expect(line.length).toBeLessThan(60);
  });

  /** The lines drawn last: each draw starts with `\r`, then moves and erases, and ends with an erase. */
  function lastBlock(text: string): string[] {
    const draw = text.slice(text.lastIndexOf('\r') + 1).replace(new RegExp(`${ESC}\\[\\d*[ABJK]`, 'g'), '');
    return draw.split('\n').slice(0, -1);
  }

  /** A tty view on a terminal of `columns` x `rows` with `files` files in flight; draws only when told (resize). */
  function startShortTerminal(columns: number, rows: number, files: number) {
    const started = startView('tty', 60_000);
    Object.assign(started.stream, { columns, rows });
    started.tracker.setTotals(files, files * MiB);
    started.tracker.setPhase('uploading');
    for (let i = 1; i <= files; i++) started.tracker.startFile('reels', `reels/R${i}/cam.mp4`, MiB);
    const draw = (): string[] => {
      started.stream.emit('resize');
      started.stream.emit('resize');
      return lastBlock(started.output());
    };
    return { ...started, draw };
  }

  it('keeps the block one row shorter than the terminal, the overall line always in it', () => {
    const { stream, tracker, view, draw } = startShortTerminal(80, 6, 12);
    const short = draw();
    expect(short).toHaveLength(5);
    expect(short[0]).toMatch(/^\[-{20}\] 0\.0% /);
    expect(short.slice(1, 4)).toEqual([1, 2, 3].map((i) => expect.stringContaining(`reels/R${i}/cam.mp4`)));
    expect(short[4]).toBe('  ... and 9 more in flight');

    // the window grows: the block follows at once, up to eight file lines
    Object.assign(stream, { rows: 40 });
    const tall = draw();
    expect(tall).toHaveLength(10);
    expect(tall[9]).toBe('  ... and 4 more in flight');

    // a terminal of two rows keeps only the overall line; stopping, the drain line goes before the files
    Object.assign(stream, { rows: 2 });
    expect(draw()).toEqual([expect.stringMatching(/^\[-{20}\] 0\.0% /)]);
    Object.assign(stream, { rows: 4 });
    tracker.notice('Stopping', 'a second signal stops now');
    expect(draw()).toEqual([
      'Stopping: waiting for 12 files in flight; a second signal stops now',
      expect.stringMatching(/^\[-{20}\] 0\.0% /),
      '  12 files in flight',
    ]);
    view.stop();
  });

  it('colours only when asked', async () => {
    const { tracker, output, view } = startView('tty', 10, true);
    tracker.fileDone(result({ outcome: 'failed', error: 'x' }));
    await sleep(30);
    view.stop();
    expect(output()).toContain(`${ESC}[31mfailed${ESC}[0m`);
  });
});

describe('quiet view', () => {
  it('prints nothing', async () => {
    const { tracker, output, view } = startView('quiet', 5);
    tracker.setPhase('uploading');
    tracker.fileDone(result({}));
    await sleep(20);
    view.stop();
    expect(output()).toBe('');
  });
});
