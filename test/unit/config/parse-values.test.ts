import { describe, expect, it } from 'vitest';
import {
  formatTimestamp,
  parseByteSize,
  parseConcurrency,
  parseCustomTimestamp,
  parseSeconds,
} from '../../../src/config/parse-values.js';
import { ConfigError } from '../../../src/errors.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('parseConcurrency', () => {
  it.each([
    ['cpu*4', 4, 16],
    ['CPU * 4', 4, 16],
    ['cpu', 4, 4],
    ['cpu*0.5', 4, 2],
    ['cpu*0.1', 2, 1],
    ['8', 4, 8],
    [' 8 ', 4, 8],
    [8, 4, 8],
    ['1000', 4, 256],
    ['cpu*100', 8, 256],
  ] as const)('reads %j with %i CPUs as %i workers', (value, cpus, expected) => {
    expect(parseConcurrency(value, 'max_concurrency', cpus)).toBe(expected);
  });

  it.each(['lots', '0', '-3', 'cpu*', 'cpu*x', '2.5', 2.5, 0, -1, '', 'gpu*4'])(
    'rejects %j naming the setting and the accepted forms',
    (value) => {
      expect(() => parseConcurrency(value, '--max-concurrency', 4)).toThrow(ConfigError);
      expect(() => parseConcurrency(value, '--max-concurrency', 4)).toThrow(
        /^--max-concurrency: '.*' is not a concurrency; use a whole number like 8 or 'cpu\*4'$/,
      );
    },
  );
});

describe('parseCustomTimestamp', () => {
  it.each(['20250131_1430', '20240229_0000', '20251231_2359', '19991231_0000'])(
    'accepts the real calendar minute %s',
    (value) => {
      expect(parseCustomTimestamp(value)).toBe(value);
    },
  );

  it('trims surrounding blanks', () => {
    expect(parseCustomTimestamp(' 20250131_1430 ')).toBe('20250131_1430');
  });

  it.each([
    ['20250230_1200', 'February 30th'],
    ['20250229_1200', 'February 29th of a common year'],
    ['20250431_0900', 'April 31st'],
    ['20251301_0000', 'month 13'],
    ['20250001_0000', 'month 0'],
    ['20250100_0000', 'day 0'],
    ['20250131_2400', 'hour 24'],
    ['20250131_1260', 'minute 60'],
  ])('rejects %s (%s) as not a real date and time', (value) => {
    expect(() => parseCustomTimestamp(value)).toThrow(ConfigError);
    expect(() => parseCustomTimestamp(value)).toThrow(
      `--custom-timestamp: '${value}' is not a real date and time; use YYYYMMDD_HHMM`,
    );
  });

  it.each(['2025013_1430', '20250131-1430', '20250131_143', '20250131', '2025-01-31 14:30', 'now', ''])(
    'rejects %j as not YYYYMMDD_HHMM',
    (value) => {
      expect(() => parseCustomTimestamp(value)).toThrow(
        `--custom-timestamp: '${value}' is not YYYYMMDD_HHMM; use for example 20250131_1430`,
      );
    },
  );

  it('names the given source in its message', () => {
    expect(() => parseCustomTimestamp('x', 'timestamp')).toThrow(/^timestamp: /);
  });
});

describe('formatTimestamp', () => {
  it('formats a date as YYYYMMDD_HHMM in local time with zero padding', () => {
    expect(formatTimestamp(new Date(2025, 0, 5, 7, 3, 59))).toBe('20250105_0703');
  });

  it('gives a value parseCustomTimestamp accepts', () => {
    const formatted = formatTimestamp(new Date(2024, 1, 29, 23, 59));

    expect(parseCustomTimestamp(formatted)).toBe('20240229_2359');
  });
});

describe('parseByteSize', () => {
  it.each([
    ['256MiB', 256 * MiB],
    ['256mib', 256 * MiB],
    ['64MB', 64_000_000],
    ['1.5G', 1_500_000_000],
    ['2 GiB', 2 * GiB],
    ['512Ki', 512 * KiB],
    ['10k', 10_000],
    ['1048576', 1_048_576],
    ['100b', 100],
    [1_048_576, 1_048_576],
  ] as const)('reads %j as %i bytes', (value, expected) => {
    expect(parseByteSize(value, '--max-memory')).toBe(expected);
  });

  it.each(['abc', '0', '0MiB', '-1', '-5MB', '5XB', '', 'MiB', '1.2.3MB'])(
    'rejects %j naming the setting',
    (value) => {
      expect(() => parseByteSize(value, '--max-memory')).toThrow(ConfigError);
      expect(() => parseByteSize(value, '--max-memory')).toThrow(
        /^--max-memory: '.*' is not a size; use for example 256MiB or 64MB$/,
      );
    },
  );
});

describe('parseSeconds', () => {
  it.each([
    [300, 300],
    ['300', 300],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1.5', 1.5],
    [' 2H ', 7200],
    ['1d', 86_400],
    ['7D', 604_800],
    [0, 0],
  ] as const)('reads %j as %d seconds', (value, expected) => {
    expect(parseSeconds(value, '--status-interval')).toBe(expected);
  });

  it.each(['-5', -5, '5w', 'soon', '', '1m30s'])('rejects %j naming the setting', (value) => {
    expect(() => parseSeconds(value, '--min-file-age')).toThrow(ConfigError);
    expect(() => parseSeconds(value, '--min-file-age')).toThrow(
      /^--min-file-age: '.*' is not a duration; use seconds like 300, or 5m, 2h, 1d$/,
    );
  });
});
