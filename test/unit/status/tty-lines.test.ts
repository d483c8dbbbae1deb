import { describe, expect, it, vi } from 'vitest';
import { displayWidth, wrapPath, wrapWords } from '../../../src/status/display-width.js';
import { StatusTracker, type FileResult, type RunDestination } from '../../../src/status/status-tracker.js';
import { describeStopAgain } from '../../../src/interrupt.js';
import {
  fitDrainLines,
  fitInFlightLines,
  fitOverallLines,
  fitResultLines,
  fitRunStartLines,
  formatStoppedLines,
} from '../../../src/status/tty-lines.js';

const MiB = 1024 * 1024;
const destination: RunDestination = {
  folder: '/data/RMI25320',
  bucket: 'survey-archive',
  projectPrefix: 'RMI25320/',
  timestampFolder: '20260102_0304',
};

function uploaded(relPath: string, overrides: Partial<FileResult> = {}): FileResult {
  return {
    group: 'reels',
    path: `/data/RMI25320/${relPath}`,
    key: `RMI25320/${relPath}`,
    sizeBytes: 2 * MiB,
    mtimeMs: 0,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 1.5,
    ...overrides,
  };
}

/** A result whose key holds the run's timestamp folder after the folder type, as `--timestamp` makes it. */
function stamped(relPath: string, overrides: Partial<FileResult> = {}): FileResult {
  const [folderType, ...rest] = relPath.split('/');
  const key = `RMI25320/${folderType}/${destination.timestampFolder}/${rest.join('/')}`;
  return uploaded(relPath, { key, ...overrides });
}

function expectFits(lines: readonly string[], width: number): void {
  for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(width);
}

describe('fitRunStartLines', () => {
  it('keeps the header on one line when it fits', () => {
    expect(fitRunStartLines(destination, 200)).toEqual([
      'upload /data/RMI25320 -> s3://survey-archive/RMI25320/ (timestamp folder 20260102_0304)',
    ]);
  });

  it('puts folder, destination and timestamp folder on lines of their own when narrow', () => {
    const lines = fitRunStartLines(destination, 39);
    expect(lines).toEqual([
      'upload /data/RMI25320',
      '  -> s3://survey-archive/RMI25320/',
      '  timestamp folder 20260102_0304',
    ]);
    expectFits(lines, 39);
  });

  it('breaks a folder wider than the terminal between its folders, leaving nothing out', () => {
    const folder = '/mnt/survey-share/2026/January/RMI25320 harbour survey';
    const lines = fitRunStartLines({ ...destination, folder }, 39);
    expect(lines.slice(0, 2)).toEqual([
      'upload /mnt/survey-share/2026/January/',
      '  RMI25320 harbour survey',
    ]);
    expectFits(lines, 39);
  });
});

describe('fitResultLines', () => {
  const long = 'reels/R001_東京湾岸測量_第一区画/カメラ１_前方映像_二〇二六年.mp4';

  /** What the lines say, read as one: each line's words joined by one space. */
  function joined(lines: readonly string[]): string {
    return lines.map((line) => line.trim()).join(' ');
  }

  it('names the file once when its key is its path under the run folder', () => {
    expect(fitResultLines(uploaded('reels/a.mp4'), destination, 79)).toEqual([
      'uploaded reels/a.mp4 (2.0 MiB, 1.5s)',
    ]);
  });

  it('shows file and key whole when they fit', () => {
    expect(fitResultLines(stamped('reels/a.mp4'), destination, 79)).toEqual([
      'uploaded reels/a.mp4 -> reels/20260102_0304/a.mp4 (2.0 MiB, 1.5s)',
    ]);
  });

  it('puts the key and the size under the file when they do not fit one line, cutting nothing', () => {
    const lines = fitResultLines(stamped('reels/R001/R001_cam1.mp4'), destination, 39);
    expect(lines).toEqual([
      'uploaded reels/R001/R001_cam1.mp4',
      '  -> reels/20260102_0304/R001/',
      '  R001_cam1.mp4 (2.0 MiB, 1.5s)',
    ]);
    expectFits(lines, 39);
  });

  it('tells apart two files whose names differ only in the middle, at 40 columns', () => {
    const [one, two] = ['R001', 'R002'].map((reel) =>
      joined(fitResultLines(uploaded(`reels/${reel}/${reel}_cam1.mp4`), destination, 39)),
    );
    expect(one).toBe('uploaded reels/R001/R001_cam1.mp4 (2.0 MiB, 1.5s)');
    expect(two).toBe('uploaded reels/R002/R002_cam1.mp4 (2.0 MiB, 1.5s)');
  });

  it('breaks a path wider than the terminal across lines, after a slash where it can', () => {
    for (const width of [39, 59, 79]) {
      const lines = fitResultLines(stamped(long), destination, width);
      expectFits(lines, width);
      expect(lines.join('').replaceAll(' ', '')).toContain('カメラ１_前方映像_二〇二六年.mp4');
      expect(joined(lines)).toMatch(/\(2\.0 MiB, 1\.5s\)$/);
    }
    expect(fitResultLines(uploaded(long), destination, 39)).toEqual([
      'uploaded reels/',
      '  R001_東京湾岸測量_第一区画/',
      '  カメラ１_前方映像_二〇二六年.mp4',
      '  (2.0 MiB, 1.5s)',
    ]);
  });

  it('gives a long error its own lines rather than losing it', () => {
    const error = 'connection reset by peer while sending part 3; the next run resumes it';
    const lines = fitResultLines(stamped(long, { outcome: 'failed', error }), destination, 39);
    expect(lines[0]).toBe('failed reels/');
    expect(joined(lines)).toMatch(new RegExp(` \\(2\\.0 MiB\\): ${error}$`));
    expectFits(lines, 39);
  });
});

describe('fitOverallLines', () => {
  function snapshot(failed = 0) {
    const tracker = new StatusTracker({ now: () => 0 });
    tracker.setTotals(10, 100 * MiB);
    tracker.setPhase('uploading');
    for (let i = 0; i < failed; i++)
      tracker.fileDone(uploaded(`reels/f${i}.mp4`, { outcome: 'failed', error: 'x', sizeBytes: MiB }));
    return tracker.snapshot();
  }

  it('has the bar and every figure on a wide terminal', () => {
    const { bar, lines } = fitOverallLines(snapshot(), 120);
    expect(bar).toBe(`[${'-'.repeat(20)}]`);
    expect(lines).toEqual(['0.0%  0 B/s  ETA --  0/10 files  0 B/100.0 MiB']);
  });

  it('drops the bar below 60 columns and puts what does not fit on a second line, the failed count included', () => {
    const { bar, lines } = fitOverallLines(snapshot(3), 31);
    expect(bar).toBeUndefined();
    expect(lines).toEqual(['0.0%  0 B/s  ETA --  3 failed', '  0/10 files  0 B/100.0 MiB']);
    expectFits(lines, 31);
  });
});

describe('stop lines', () => {
  it('wraps the drain line at word boundaries, indenting what follows', () => {
    const lines = fitDrainLines(3, 37, 'Ctrl+C again to stop now');
    expect(lines).toEqual(['Stopping: waiting for 3 files in', '  flight; Ctrl+C again to stop now']);
  });

  it('says how to stop at once with the kind of signal the run was stopped by', () => {
    expect(fitDrainLines(1, 80, describeStopAgain('SIGTERM'))).toEqual([
      'Stopping: waiting for 1 file in flight; a second signal stops now',
    ]);
    expect(fitDrainLines(1, 80, describeStopAgain('SIGBREAK')).join(' ')).toContain('Ctrl+Break again');
  });

  it('names the files a second Ctrl+C left, under the run folder, wrapped at the width', () => {
    const inFlight = [
      {
        file: '/data/RMI25320/reels/R001/a-long-reel-file-name.mp4',
        group: 'reels',
        bytes: MiB,
        size: 4 * MiB,
      },
    ];
    const resume = 'Run the same command again to resume.';
    const lines = formatStoppedLines(inFlight, destination, resume, 39);
    expect(lines[0]).toBe('Stopped at once. Left in flight (1):');
    expect(lines.slice(1, 3)).toEqual(['  reels/R001/a-long-reel-file-name.mp4', '  (25.0% sent)']);
    expect(lines.at(-1)).toBe('Run the same command again to resume.');
    expectFits(lines, 39);
    expect(formatStoppedLines(inFlight, destination, resume)[1]).toBe(
      '  reels/R001/a-long-reel-file-name.mp4 (25.0% sent)',
    );
  });

  it('says of a file cut off how much of what it sent the server holds for the next run', () => {
    const file = '/data/RMI25320/reels/a.mp4';
    const entries = [
      { file, group: 'reels', bytes: 2 * MiB, size: 4 * MiB, bytes_stored: MiB },
      { file, group: 'reels', bytes: 2 * MiB, size: 4 * MiB, bytes_stored: 2 * MiB },
      { file, group: 'reels', bytes: MiB, size: 4 * MiB, bytes_stored: 0 },
    ];
    expect(formatStoppedLines(entries, destination, '').slice(1, 4)).toEqual([
      '  reels/a.mp4 (50.0% sent, 25.0% stored)',
      '  reels/a.mp4 (50.0% stored)',
      '  reels/a.mp4 (25.0% sent, 0.0% stored)',
    ]);
  });

  it('shows a file in flight under the run folder', () => {
    const entry = { file: '/data/RMI25320/reels/a.mp4', group: 'reels', bytes: MiB, size: 4 * MiB };
    expect(fitInFlightLines(entry, destination, 79)).toEqual(['   25.0%    4.0 MiB  reels/a.mp4']);
  });

  it("shows a file's pending retry after its path, the path cut first, under it when narrow, and 'now' once the wait is over", () => {
    const retry = { attempt: 2, attempts: 10, reason: 'ECONNRESET', resume_at: 1_000.5 };
    const entry = {
      file: '/data/RMI25320/reels/R001/a-long-reel-file-name.mp4',
      group: 'reels',
      bytes: MiB,
      size: 4 * MiB,
      retry,
    };
    expect(fitInFlightLines(entry, destination, 100, 998)).toEqual([
      '   25.0%    4.0 MiB  reels/R001/a-long-reel-file-name.mp4  retry 3/10 in 2.5s (ECONNRESET)',
    ]);
    const narrower = fitInFlightLines(entry, destination, 70, 998);
    expect(narrower).toEqual([
      expect.stringMatching(
        /^ {3}25\.0% {4}4\.0 MiB {2}reels\/R\S*…\S*\.mp4 {2}retry 3\/10 in 2\.5s \(ECONNRESET\)$/,
      ),
    ]);
    expectFits(narrower, 70);
    const narrow = fitInFlightLines(entry, destination, 39, 998);
    expect(narrow).toEqual([
      expect.stringMatching(/^ {3}25\.0% {4}4\.0 MiB {2}reels\/R\S*…\S*\.mp4$/),
      '  retry 3/10 in 2.5s (ECONNRESET)',
    ]);
    expectFits(narrow, 39);
    expect(fitInFlightLines(entry, destination, 100, 1_001)[0]).toMatch(
      / {2}retry 3\/10 now \(ECONNRESET\)$/,
    );
  });
});

describe('wrapWords', () => {
  it('returns text that fits as one line', () => {
    expect(wrapWords('short text', 20)).toEqual(['short text']);
  });

  it('breaks a word wider than the line across lines, leaving nothing out', () => {
    expect(wrapWords('a verylongwordindeed', 10)).toEqual(['a verylong', '  wordinde', '  ed']);
  });

  it('breaks a long path after a slash near the end of the line, and keeps the indent of the first line', () => {
    expect(wrapWords('  -> reels/20260102_0304/R001/R001_cam1.mp4', 30)).toEqual([
      '  -> reels/20260102_0304/R001/',
      '  R001_cam1.mp4',
    ]);
  });
});

describe('wrapPath', () => {
  it('breaks a path between folders, never within what it keeps, nor at its spaces', () => {
    expect(wrapPath('uploaded reels/R001 day 1/R001_cam1.mp4', 24, 9)).toEqual([
      'uploaded reels/',
      '  R001 day 1/',
      '  R001_cam1.mp4',
    ]);
    expect(wrapPath('uploaded abcdefghijklmnopqrstuvwxyz', 12, 9)).toEqual([
      'uploaded abc',
      '  defghijklm',
      '  nopqrstuvw',
      '  xyz',
    ]);
  });

  it('ends on a width narrower than a line must keep, one cluster after the indent per line, nothing left out', () => {
    expect(wrapPath('ab/c', 1, 0, '    ')).toEqual(['a', '    b', '    /', '    c']);
    expect(wrapPath('uploaded', 3, 9)).toEqual(['uploaded']);
    expect(wrapWords('hi there', 0)).toEqual(['h', '  i', '   ', '  t', '  h', '  e', '  r', '  e']);
  });

  it.each([
    {
      folder: 'R0001_cam1/',
      short: [
        'uploaded reels/R0001_cam1/',
        '  R0001_cam1/R0001_cam1/',
        '  R0001_cam1/R0001_cam1/',
        '  R0001_cam1/R0001_cam1/',
        '  last.mp4',
      ],
    },
    {
      folder: 'カメラe\u0301/',
      short: [
        'uploaded reels/カメラe\u0301/',
        '  カメラe\u0301/カメラe\u0301/カメラe\u0301/',
        '  カメラe\u0301/カメラe\u0301/カメラe\u0301/',
        '  last.mp4',
      ],
    },
  ])('wraps a path of 20,000 characters of $folder like a short one, in linear time', ({ folder, short }) => {
    const pathOf = (folders: number) => `uploaded reels/${folder.repeat(folders)}last.mp4`;
    expect(wrapPath(pathOf(7), 30, 9)).toEqual(short);

    const long = pathOf(Math.ceil(20_000 / folder.length));
    // linear: the text handed to the grapheme splitter is a few times the path, where splitting the rest of the
    // path again for every line handed it the square of the path's length over the line's (8 s for this one)
    const segment = vi.spyOn(Intl.Segmenter.prototype, 'segment');
    const lines = wrapPath(long, 30, 9);
    const segmentedLength = segment.mock.calls.reduce((sum, [text]) => sum + text.length, 0);
    segment.mockRestore();
    expect(segmentedLength).toBeLessThanOrEqual(4 * long.length);
    expect(lines[0]).toBe(short[0]);
    expect(lines.slice(1, -1)).toEqual(lines.slice(1, -1).map(() => short[1]));
    expect(lines.at(-1)).toBe(short.at(-1));
    expect(lines.map((line, index) => (index === 0 ? line : line.slice(2))).join('')).toBe(long);
  });
});
