import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { combineCrc, combineCrcs, CRC_NAMES, crcOf, createCrc } from '../../../src/content/crc.js';

/** The standard check values: the CRC of the ASCII bytes "123456789". */
const CHECK: Record<string, string> = {
  CRC32: 'cbf43926',
  CRC32C: 'e3069283',
  CRC64NVME: 'ae8b14860a799888',
};

function hex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

describe('crcOf', () => {
  it.each(CRC_NAMES)('%s of "123456789" is the standard check value', (name) => {
    expect(hex(crcOf(name, Buffer.from('123456789')))).toBe(CHECK[name]);
  });

  it.each(CRC_NAMES)('%s gives the same value fed in pieces of any size as in one', (name) => {
    const bytes = randomBytes(100_003);
    const hasher = createCrc(name);
    for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7) % 4099 || 1)
      hasher.update(bytes.subarray(at, Math.min(bytes.length, at + step)));
    expect(hasher.digest()).toBe(crcOf(name, bytes));
  });
});

describe('combineCrc', () => {
  it.each(CRC_NAMES)('%s of parts combined equals %s of the whole', (name) => {
    const whole = randomBytes(300_001);
    const cuts = [0, 1, 65_536, 131_072, 250_000, whole.length];
    const parts = cuts.slice(1).map((end, i) => whole.subarray(cuts[i], end));
    const combined = combineCrcs(
      name,
      parts.map((part) => ({ crc: crcOf(name, part), length: part.length })),
    );
    expect(combined).toBe(crcOf(name, whole));
  });

  it('with an empty second part is the first CRC', () => {
    const a = crcOf('CRC64NVME', Buffer.from('abc'));
    expect(combineCrc('CRC64NVME', a, crcOf('CRC64NVME', Buffer.alloc(0)), 0)).toBe(a);
  });
});
