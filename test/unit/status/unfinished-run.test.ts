import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { StatusFileContent } from '../../../src/status/status-file.js';
import { unfinishedTimestampFolder } from '../../../src/status/unfinished-run.js';

function status(overrides: Partial<StatusFileContent>): StatusFileContent {
  return {
    project_key: 'RMI25320',
    phase: 'uploading',
    pid: 4242,
    hostname: hostname(),
    timestamp_folder: '20261207_1608',
    ...overrides,
  } as StatusFileContent;
}

const gone = () => false;
const alive = () => true;

describe('unfinishedTimestampFolder', () => {
  it('names the folder of a run whose process is gone, or that ended interrupted or failed', () => {
    expect(unfinishedTimestampFolder(status({}), 'RMI25320', gone)).toBe('20261207_1608');
    expect(unfinishedTimestampFolder(status({ phase: 'interrupted' }), 'RMI25320', alive)).toBe(
      '20261207_1608',
    );
    expect(unfinishedTimestampFolder(status({ phase: 'failed' }), 'RMI25320', alive)).toBe('20261207_1608');
  });

  it('names none for a run that completed, still runs, ran elsewhere, is another project or had no timestamp', () => {
    expect(unfinishedTimestampFolder(status({ phase: 'completed' }), 'RMI25320', gone)).toBeUndefined();
    expect(unfinishedTimestampFolder(status({}), 'RMI25320', alive)).toBeUndefined();
    expect(unfinishedTimestampFolder(status({ hostname: 'other-pc' }), 'RMI25320', gone)).toBeUndefined();
    expect(unfinishedTimestampFolder(status({}), 'RMI99999', gone)).toBeUndefined();
    const plain = status({ timestamp_folder: undefined });
    expect(unfinishedTimestampFolder(plain, 'RMI25320', gone)).toBeUndefined();
    expect(unfinishedTimestampFolder(undefined, 'RMI25320', gone)).toBeUndefined();
  });
});
