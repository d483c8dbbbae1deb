import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatLocalTime,
  formatPercent,
  formatRate,
} from '../../../src/status/format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [12 * 1024 * 1024, '12.0 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
    [-1, '--'],
    [Number.NaN, '--'],
  ])('formats %d bytes as %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it('formats rates per second', () => {
    expect(formatRate(12.3 * 1024 * 1024)).toBe('12.3 MiB/s');
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0 files'],
    [1, '1 file'],
    [2, '2 files'],
  ])('counts %i as %s', (count, text) => {
    expect(formatCount(count, 'file')).toBe(text);
  });

  it('takes the plural of a noun not made plural by an s', () => {
    expect(formatCount(2, 'entry', 'entries')).toBe('2 entries');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0s'],
    [1.25, '1.2s'],
    [12, '12s'],
    [59.9, '59s'],
    [185, '3m05s'],
    [3600 + 125, '1h02m'],
    [26 * 3600, '26h00m'],
    [null, '--'],
    [Number.POSITIVE_INFINITY, '--'],
    [-3, '--'],
  ])('formats %s seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatPercent', () => {
  it.each([
    [0, 100, '0.0%'],
    [1, 3, '33.3%'],
    [999_999, 1_000_000, '99.9%'],
    [100, 100, '100.0%'],
    [150, 100, '100.0%'],
    [5, 0, '--%'],
  ])('formats %d of %d as %s', (part, whole, expected) => {
    expect(formatPercent(part, whole)).toBe(expected);
  });
});

describe('formatLocalTime', () => {
  it('formats local time as YYYY-MM-DD HH:MM:SS', () => {
    const timeMs = new Date(2026, 10, 5, 7, 8, 9).getTime();
    expect(formatLocalTime(timeMs)).toBe('2026-11-05 07:08:09');
  });
});
