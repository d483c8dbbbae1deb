import { describe, expect, it } from 'vitest';
import { applyMinFileAge } from '../../../src/collector/min-file-age.js';
import type { UploadPlan, UploadTask } from '../../../src/collector/plan-upload.js';
import type { Logger } from '../../../src/log/logger.js';

const NOW_MS = 1_750_000_000_000;

function task(relPath: string, ageSec: number): UploadTask {
  return {
    group: 'reels',
    path: `/p/reels/${relPath}`,
    relPath,
    key: `P/reels/${relPath}`,
    sizeBytes: 1,
    mtimeMs: NOW_MS - ageSec * 1000,
  };
}

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { debugEnabled: false, debug: () => {}, warn: (m) => warnings.push(m), warnings };
}

function plan(tasks: UploadTask[]): UploadPlan {
  return {
    groups: new Map([['reels', tasks]]),
    problems: [],
    leftOut: [{ path: '/p/reels/a.tmp', reason: 'extension', detail: 'reels' }],
  };
}

describe('applyMinFileAge', () => {
  it('holds back files modified within the age, recording each as too recent after the earlier entries', () => {
    const log = recordingLog();

    const result = applyMinFileAge(plan([task('old.mp4', 120), task('fresh.mp4', 10)]), 60, log, NOW_MS);

    expect(result.groups.get('reels')?.map((t) => t.relPath)).toEqual(['old.mp4']);
    expect(result.leftOut).toEqual([
      { path: '/p/reels/a.tmp', reason: 'extension', detail: 'reels' },
      { path: '/p/reels/fresh.mp4', reason: 'too recent' },
    ]);
    expect(log.warnings).toEqual([
      'left for the next run: 1 file modified in the last 60 s (--min-file-age)',
    ]);
  });

  it('drops a group whose files are all too recent, and keeps a file exactly at the age', () => {
    const result = applyMinFileAge(
      plan([task('fresh.mp4', 59), task('edge.mp4', 60)]),
      60,
      recordingLog(),
      NOW_MS,
    );

    expect(result.groups.get('reels')?.map((t) => t.relPath)).toEqual(['edge.mp4']);
    expect(applyMinFileAge(plan([task('fresh.mp4', 1)]), 60, recordingLog(), NOW_MS).groups.size).toBe(0);
  });

  it('returns the plan as it is without an age', () => {
    const original = plan([task('fresh.mp4', 0)]);

    expect(applyMinFileAge(original, 0, recordingLog(), NOW_MS)).toBe(original);
  });
});
