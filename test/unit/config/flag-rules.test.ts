import { describe, expect, it } from 'vitest';
import { assertUsableFlags, flagName } from '../../../src/config/flag-rules.js';
import type { UploadFlags } from '../../../src/config/run-options.js';
import { ConfigError } from '../../../src/errors.js';

function flagsError(flags: Partial<UploadFlags>, env: NodeJS.ProcessEnv = {}): string {
  try {
    assertUsableFlags({ projectKey: 'RMI25320', ...flags }, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(flags)} to be refused`);
}

describe('flagName', () => {
  it.each([
    ['customTimestamp', '--custom-timestamp'],
    ['dryRun', '--dry-run'],
    ['json', '--json'],
  ])('spells %s as %s', (key, expected) => {
    expect(flagName(key)).toBe(expected);
  });
});

describe('assertUsableFlags', () => {
  it('accepts flags that go together', () => {
    expect(() =>
      assertUsableFlags(
        { projectKey: 'RMI25320', timestamp: true, json: true, verify: true, folder: 'D:\\reels' },
        { UPLOAD_TO_S3_BUCKET: 'survey-data' },
      ),
    ).not.toThrow();
  });

  it.each([
    [{ timestamp: true, customTimestamp: '20250131_1430' }, '--timestamp with --custom-timestamp: both name'],
    [{ quiet: true, json: true }, '--quiet with --json: both choose what is printed'],
    [{ force: true, verify: true }, '--force with --verify: --force uploads every file'],
    [{ force: true, check: true }, '--force with --check: --force uploads every file'],
  ])('refuses %j, naming both flags', (flags, expected) => {
    expect(flagsError(flags)).toMatch(new RegExp(`^${expected}`));
  });

  it.each([
    ['folder', '--folder'],
    ['stateDir', '--state-dir'],
    ['statusJson', '--status-json'],
    ['logCsv', '--log-csv'],
    ['logFile', '--log-file'],
  ])('refuses a carriage return in %s, as a script reading a Windows text file leaves it', (key, flag) => {
    expect(flagsError({ [key]: 'D:\\survey\\out\r' })).toBe(
      `${flag} contains a carriage return (a Windows line ending kept by the script that built it?); pass the value without it`,
    );
  });

  it('refuses a control character in a list flag', () => {
    expect(flagsError({ include: ['reels', 'logs\n'] })).toMatch(/^--include contains a newline; /);
  });

  it('refuses a control character in our environment variables and ignores the others', () => {
    expect(flagsError({}, { UPLOAD_TO_S3_FOLDER: 'D:\\reels\n' })).toMatch(
      /^UPLOAD_TO_S3_FOLDER contains a newline; /,
    );
    expect(() => assertUsableFlags({ projectKey: 'K' }, { SOME_OTHER: 'a\nb' })).not.toThrow();
  });
});
