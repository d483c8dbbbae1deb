import { describe, expect, it } from 'vitest';
import { displayWidth, wrapWords } from '../../../src/status/display-width.js';
import { StatusTracker, type FileResult, type RunDestination } from '../../../src/status/status-tracker.js';
import {
  fitDrainLines,
  fitInFlightLine,
  fitOverallLine,
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
});

describe('fitResultLines', () => {
  const long = 'reels/R001_東京湾岸測量_第一区画/カメラ１_前方映像_二〇二六年.mp4';

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

  it('cuts file and key in their middles on one line when both get 20 columns or more', () => {
    const lines = fitResultLines(stamped(long), destination, 79);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^uploaded reels\/R001\S*…\S*年\.mp4 -> reels\/2026\S*…\S*年\.mp4 \(2\.0 MiB, 1\.5s\)$/,
    );
    expectFits(lines, 79);
  });

  it('cuts a long file named once in its middle', () => {
    const lines = fitResultLines(uploaded(long), destination, 59);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^uploaded reels\/R001\S*…\S*年\.mp4 \(2\.0 MiB, 1\.5s\)$/);
    expectFits(lines, 59);
  });

  it('puts the key under the file on a narrow terminal', () => {
    const lines = fitResultLines(stamped(long), destination, 39);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^uploaded reels\S*…\S*\.mp4 \(2\.0 MiB, 1\.5s\)$/);
    expect(lines[1]).toMatch(/^ {2}-> reels\/2026\S*…\S*年\.mp4$/);
    expectFits(lines, 39);
  });

  it('gives a long error its own lines rather than losing it', () => {
    const error = 'connection reset by peer while sending part 3; the next run resumes it';
    const lines = fitResultLines(stamped(long, { outcome: 'failed', error }), destination, 39);
    expect(lines[0]).toMatch(/^failed reels\S*…\S*\.mp4$/);
    expect(lines[1]).toMatch(/^ {2}-> /);
    expect(
      lines
        .slice(2)
        .map((line) => line.trim())
        .join(' '),
    ).toBe(`(2.0 MiB): ${error}`);
    expectFits(lines, 39);
  });
});

describe('fitOverallLine', () => {
  function snapshot() {
    const tracker = new StatusTracker({ now: () => 0 });
    tracker.setTotals(10, 100 * MiB);
    tracker.setPhase('uploading');
    return tracker.snapshot();
  }

  it('has the bar and every figure on a wide terminal', () => {
    const { bar, text } = fitOverallLine(snapshot(), 120);
    expect(bar).toBe(`[${'-'.repeat(20)}]`);
    expect(text).toBe('0.0%  0 B/s  ETA --  0/10 files  0 B/100.0 MiB');
  });

  it('drops the bar below 60 columns and whole figures, never part of one', () => {
    const { bar, text } = fitOverallLine(snapshot(), 31);
    expect(bar).toBeUndefined();
    expect(text).toBe('0.0%  0 B/s  ETA --  0/10 files');
  });
});

describe('stop lines', () => {
  it('wraps the drain line at word boundaries, indenting what follows', () => {
    const lines = fitDrainLines(3, 37);
    expect(lines).toEqual(['Stopping: waiting for 3 files in', '  flight; Ctrl+C again to stop now']);
  });

  it('names the files a second Ctrl+C left, under the run folder, fitted to the width', () => {
    const inFlight = [
      {
        file: '/data/RMI25320/reels/R001/a-long-reel-file-name.mp4',
        group: 'reels',
        bytes: MiB,
        size: 4 * MiB,
      },
    ];
    const lines = formatStoppedLines(inFlight, destination, 39);
    expect(lines[0]).toBe('Stopped at once. Left in flight (1):');
    expect(lines[1]).toMatch(/^ {2}reels\/R001\S*…\S*\.mp4 \(25\.0% sent\)$/);
    expect(lines.at(-1)).toBe('Run the same command again to resume.');
    expectFits(lines, 39);
    expect(formatStoppedLines(inFlight, destination)[1]).toBe(
      '  reels/R001/a-long-reel-file-name.mp4 (25.0% sent)',
    );
  });

  it('shows a file in flight under the run folder', () => {
    const entry = { file: '/data/RMI25320/reels/a.mp4', group: 'reels', bytes: MiB, size: 4 * MiB };
    expect(fitInFlightLine(entry, destination, 79)).toBe('   25.0%    4.0 MiB  reels/a.mp4');
  });

  it("shows a file's pending retry after its path, the path cut first, and 'now' once the wait is over", () => {
    const retry = { attempt: 2, attempts: 10, reason: 'ECONNRESET', resume_at: 1_000.5 };
    const entry = {
      file: '/data/RMI25320/reels/R001/a-long-reel-file-name.mp4',
      group: 'reels',
      bytes: MiB,
      size: 4 * MiB,
      retry,
    };
    expect(fitInFlightLine(entry, destination, 100, 998)).toBe(
      '   25.0%    4.0 MiB  reels/R001/a-long-reel-file-name.mp4  retry 3/10 in 2.5s (ECONNRESET)',
    );
    const narrow = fitInFlightLine(entry, destination, 70, 998);
    expect(narrow).toMatch(
      /^ {3}25\.0% {4}4\.0 MiB {2}reels\/R\S*…\S*\.mp4 {2}retry 3\/10 in 2\.5s \(ECONNRESET\)$/,
    );
    expectFits([narrow], 70);
    expect(fitInFlightLine(entry, destination, 100, 1_001)).toMatch(/ {2}retry 3\/10 now \(ECONNRESET\)$/);
  });
});

describe('wrapWords', () => {
  it('returns text that fits as one line', () => {
    expect(wrapWords('short text', 20)).toEqual(['short text']);
  });

  it('cuts a word wider than the line at its end', () => {
    expect(wrapWords('a verylongwordindeed', 10)).toEqual(['a', '  verylon…']);
  });
});
