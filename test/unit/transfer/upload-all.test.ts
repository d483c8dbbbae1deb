import { describe, expect, it } from 'vitest';
import type { CsvLog } from '../../../src/status/csv-log.js';
import { StatusTracker, type FileResult } from '../../../src/status/status-tracker.js';
import { uploadAll, type DecidedTask } from '../../../src/transfer/upload-all.js';

/** A CSV log that keeps rows until flushed, and remembers the most it ever held. */
function countingLog(): CsvLog & { written: FileResult[]; peakQueued: number } {
  let queued: FileResult[] = [];
  const log = {
    written: [] as FileResult[],
    peakQueued: 0,
    append(result: FileResult) {
      queued.push(result);
      log.peakQueued = Math.max(log.peakQueued, queued.length);
    },
    async flush() {
      await Promise.resolve();
      log.written.push(...queued);
      queued = [];
    },
    close: async () => log.flush(),
  };
  return log;
}

function skipped(count: number): DecidedTask[] {
  return Array.from({ length: count }, (_, i) => ({
    task: {
      group: 'logs',
      path: `/p/f${i}.log`,
      relPath: `f${i}.log`,
      key: `P/f${i}.log`,
      sizeBytes: 64,
      mtimeMs: 1,
    },
    decision: { action: 'skip', reason: 'upload log: sent earlier with the same size and mtime' },
    group: 'logs',
  }));
}

describe('uploadAll', () => {
  it('writes the log between batches of skips, so 5,000 skips never queue at once', async () => {
    const csvLog = countingLog();
    const tracker = new StatusTracker();
    const signal = new AbortController().signal;
    await uploadAll(skipped(5000), {
      signal,
      tracker,
      csvLog,
      maxFilesInFlight: 4,
      abortAll: () => {},
      stopStarting: () => {},
    });
    await csvLog.close();
    expect(csvLog.written).toHaveLength(5000);
    expect(csvLog.written[4999]).toMatchObject({ key: 'P/f4999.log', outcome: 'skipped', seconds: 0 });
    expect(csvLog.peakQueued).toBeLessThanOrEqual(1000);
    expect(tracker.snapshot().totals.skipped).toBe(5000);
    expect(tracker.snapshot().folder_types).toMatchObject({ logs: { skipped: 5000 } });
  });
});
