import { describe, expect, it } from 'vitest';
import { resumeAdvice } from '../../src/resume-advice.js';

describe('resumeAdvice', () => {
  it('names the folder of a --timestamp run, which a later --timestamp run would not resume', () => {
    expect(resumeAdvice({ timestamp: '20261206_0337', timestampFromClock: true })).toBe(
      'to resume, run it again with --custom-timestamp 20261206_0337 in place of --timestamp (a new --timestamp starts a new folder and sends every file again)',
    );
  });

  it('says to run the same command for a run without a timestamp or with --custom-timestamp', () => {
    expect(resumeAdvice({ timestamp: undefined, timestampFromClock: false })).toBe(
      'run the same command again to resume',
    );
    expect(resumeAdvice({ timestamp: '20250131_1430', timestampFromClock: false })).toBe(
      'run the same command again to resume',
    );
  });
});
