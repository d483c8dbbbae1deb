import { ConfigError, quoteValue } from '../errors.js';

/** Multipliers of the unit prefixes, lower-cased: SI powers of 1000, IEC (`Ki`, `Mi`, `Gi`) of 1024. */
const PREFIXES: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
};

/** The unit spellings accepted, for messages and help. */
export const RATE_UNITS =
  'B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s (bytes) or bit/s, kbit/s, Mbit/s, Gbit/s, kbps, Mbps, Gbps (bits)';

/** A prefix, a base (B, byte, bit, b) and a per-second suffix, e.g. `Mi` `B` `/s` or `M` `b` `ps`. */
const UNIT_PATTERN = /^([kmg]i?)?(bytes?|bits?|b)(\/s|ps)?$/i;

interface RateUnit {
  kind: 'bytes' | 'bits' | 'ambiguous';
  prefix: string;
}

/**
 * Reads a unit. A capital B is a byte and `bit` or the `b` of `bps` a bit, as on network gear and in speed
 * tests; `mb/s`, `Mb/s`, `MBps` and a unit without `/s` are read differently by different people, so
 * they are not guessed at.
 */
function readUnit(unit: string): RateUnit | undefined {
  if (/^[kmg]i?$/i.test(unit)) return { kind: 'ambiguous', prefix: unit };
  const match = UNIT_PATTERN.exec(unit);
  if (!match) return undefined;
  const [, prefix = '', base = '', per] = match;
  const isByte = base === 'B' || /^bytes?$/i.test(base);
  const isBit = /^bits?$/i.test(base) || (base === 'b' && per?.toLowerCase() === 'ps');
  if (per?.toLowerCase() === '/s' && isByte) return { kind: 'bytes', prefix };
  if (per !== undefined && isBit) return { kind: 'bits', prefix };
  return { kind: 'ambiguous', prefix };
}

/**
 * Parses a bandwidth limit: a number and a unit, `20MB/s`, `20MiB/s`, `500KB/s` (bytes) or `160Mbit/s`,
 * `160Mbps` (bits: 160Mbit/s is 20MB/s); `0`, `off` or `unlimited` mean no limit (returns 0).
 * @returns bytes per second, a whole number.
 * @throws ConfigError naming `source` for a bare number (no unit), a unit that could be read as bits or
 * bytes (`20mb/s`, `20MBps`, `20MB`), or anything else.
 */
export function parseBandwidth(value: unknown, source: string): number {
  // a list or a mapping is no rate; only its text form would reach the message
  const text = (typeof value === 'string' || typeof value === 'number' ? String(value) : '').trim();
  if (/^(?:0+(?:\.0*)?|off|unlimited)$/i.test(text)) return 0;
  const match = /^(\d+(?:\.\d+)?)\s*(\S*)$/.exec(text);
  const amount = match?.[1] ?? '';
  const unit = match ? readUnit(match[2] ?? '') : undefined;
  if (match && match[2] === '') {
    throw new ConfigError(
      `${source}: ${quoteValue(value)} has no unit; write for example ${amount}MB/s (bytes) or ${amount}Mbit/s (bits), or 0 for no limit (units: ${RATE_UNITS})`,
    );
  }
  if (unit?.kind === 'ambiguous') {
    const prefix = canonicalPrefix(unit.prefix);
    throw new ConfigError(
      `${source}: ${quoteValue(value)} is ambiguous (bits or bytes? per second?); write ${amount}${prefix}B/s for bytes or ${amount}${prefix}bit/s for bits per second`,
    );
  }
  const perUnit = unit ? (PREFIXES[unit.prefix.toLowerCase()] ?? NaN) / (unit.kind === 'bits' ? 8 : 1) : NaN;
  const bytes = Math.round(Number(amount) * perUnit);
  if (!(bytes > 0 && Number.isFinite(bytes))) {
    throw new ConfigError(
      `${source}: ${quoteValue(value)} is not a rate; use a number and a unit (${RATE_UNITS}), or 0 for no limit`,
    );
  }
  return bytes;
}

function canonicalPrefix(prefix: string): string {
  const letter = prefix.charAt(0).toUpperCase();
  return prefix.length > 1 ? `${letter}i` : letter === 'K' ? 'k' : letter;
}
