import { describe, expect, it } from 'vitest';
import { parseBandwidth } from '../../../src/config/parse-rate.js';
import { ConfigError } from '../../../src/errors.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The message parseBandwidth throws for `value`. */
function bandwidthError(value: unknown): string {
  try {
    parseBandwidth(value, '--max-bandwidth');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('parseBandwidth: bytes per second', () => {
  it.each([
    ['20MB/s', 20_000_000],
    ['20MiB/s', 20 * MiB],
    ['500KB/s', 500_000],
    ['500kB/s', 500_000],
    ['512KiB/s', 512 * KiB],
    ['1GB/s', 1_000_000_000],
    ['1GiB/s', GiB],
    ['1.5MiB/s', 1.5 * MiB],
    ['100B/s', 100],
    ['20 MB/s', 20_000_000],
    [' 20mB/s ', 20_000_000],
    ['3 bytes/s', 3],
  ] as const)('reads %j as %i bytes per second', (value, expected) => {
    expect(parseBandwidth(value, '--max-bandwidth')).toBe(expected);
  });
});

describe('parseBandwidth: bits per second, one eighth of a byte each', () => {
  it.each([
    ['160Mbit/s', 20_000_000],
    ['160Mbps', 20_000_000],
    ['160mbps', 20_000_000],
    ['800kbit/s', 100_000],
    ['800kbps', 100_000],
    ['1Gbps', 125_000_000],
    ['1Gbit/s', 125_000_000],
    ['8bit/s', 1],
    ['64bps', 8],
  ] as const)('reads %j as %i bytes per second', (value, expected) => {
    expect(parseBandwidth(value, '--max-bandwidth')).toBe(expected);
  });

  it('never reads megabits as megabytes: 160Mbit/s is 20MB/s, not 160MB/s', () => {
    expect(parseBandwidth('160Mbit/s', 'x')).toBe(parseBandwidth('20MB/s', 'x'));
    expect(parseBandwidth('160Mbps', 'x')).toBe(parseBandwidth('160MB/s', 'x') / 8);
  });
});

describe('parseBandwidth: no limit', () => {
  it.each(['0', 0, '0.0', 'off', 'OFF', 'unlimited'])('reads %j as unlimited (0)', (value) => {
    expect(parseBandwidth(value, '--max-bandwidth')).toBe(0);
  });
});

describe('parseBandwidth: refused input', () => {
  it.each(['20', 20, '1000', '2.5'])('refuses the bare number %j, saying which units it takes', (value) => {
    expect(bandwidthError(value)).toBe(
      `--max-bandwidth: '${value}' has no unit; write for example ${value}MB/s (bytes) or ${value}Mbit/s (bits), or 0 for no limit (units: B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s (bytes) or bit/s, kbit/s, Mbit/s, Gbit/s, kbps, Mbps, Gbps (bits))`,
    );
  });

  it.each([
    ['20mb/s', '20MB/s', '20Mbit/s'],
    ['20Mb/s', '20MB/s', '20Mbit/s'],
    ['20MBps', '20MB/s', '20Mbit/s'],
    ['20M', '20MB/s', '20Mbit/s'],
    ['20MB', '20MB/s', '20Mbit/s'],
    ['20kb/s', '20kB/s', '20kbit/s'],
    ['20MiB', '20MiB/s', '20Mibit/s'],
  ])('refuses %j, which could be bits or bytes, offering both spellings', (value, bytes, bits) => {
    expect(bandwidthError(value)).toBe(
      `--max-bandwidth: '${value}' is ambiguous (bits or bytes? per second?); write ${bytes} for bytes or ${bits} for bits per second`,
    );
  });

  it.each(['fast', '-1MB/s', 'MB/s', '20XB/s', '1e3MB/s', '0.1B/s', '', [20], { rate: 20 }, true])(
    'refuses %j naming the setting and the accepted units',
    (value) => {
      expect(bandwidthError(value)).toMatch(
        /^--max-bandwidth: .* is not a rate; use a number and a unit \(B\/s, .*Gbps \(bits\)\), or 0 for no limit$/,
      );
    },
  );
});
