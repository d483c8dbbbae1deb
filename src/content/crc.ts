import zlib from 'node:zlib';

/** The CRCs S3 stores as full-object checksums. All three are reflected, start at all ones and end inverted. */
export type CrcName = 'CRC32' | 'CRC32C' | 'CRC64NVME';

export const CRC_NAMES: readonly CrcName[] = ['CRC32', 'CRC32C', 'CRC64NVME'];

/** A running CRC over bytes given in order. */
export interface CrcHasher {
  update(bytes: Uint8Array): void;
  /** The CRC as S3 writes it: big-endian bytes, base64. */
  digest(): string;
}

/** Reflected generator polynomials. */
const POLYNOMIALS: Record<CrcName, bigint> = {
  CRC32: 0xedb88320n,
  CRC32C: 0x82f63b78n,
  CRC64NVME: 0x9a6c9329ac4bc9b5n,
};

const WIDTH_BITS: Record<CrcName, number> = { CRC32: 32, CRC32C: 32, CRC64NVME: 64 };

/** A hasher for `name`: CRC32 by zlib (native), CRC32C and CRC64NVME by slicing-by-8 tables. */
export function createCrc(name: CrcName): CrcHasher {
  if (name === 'CRC32') {
    let crc = 0;
    return { update: (bytes) => (crc = zlib.crc32(bytes, crc)), digest: () => toBase64(BigInt(crc), 32) };
  }
  return name === 'CRC32C' ? crc32c() : crc64nvme();
}

/** The CRC of `bytes`, base64. */
export function crcOf(name: CrcName, bytes: Uint8Array): string {
  const hasher = createCrc(name);
  hasher.update(bytes);
  return hasher.digest();
}

/**
 * The CRC of A followed by B from the CRC of A, the CRC of B and B's length: how the parts of a multipart upload,
 * hashed in any order, give the whole object's checksum (zlib's crc32_combine, for any reflected CRC).
 */
export function combineCrc(name: CrcName, first: string, second: string, secondLength: number): string {
  return combineCrcs(name, [
    { crc: first, length: 0 },
    { crc: second, length: secondLength },
  ]);
}

/**
 * The CRC of the concatenation of parts, from each part's CRC and length, in order. x^(8·length) is worked out
 * once per distinct length: a multipart upload has one part size and a shorter last part, and working it out
 * for each of 10,000 parts took over a second.
 */
export function combineCrcs(name: CrcName, parts: ReadonlyArray<{ crc: string; length: number }>): string {
  if (parts.length === 0) return crcOf(name, new Uint8Array(0));
  const powers = new Map<number, bigint>();
  let crc = fromBase64(parts[0]!.crc);
  for (const part of parts.slice(1)) {
    let power = powers.get(part.length);
    if (power === undefined) {
      power = powerOfX(name, part.length);
      powers.set(part.length, power);
    }
    crc = multiplyModP(name, power, crc) ^ fromBase64(part.crc);
  }
  return toBase64(crc, WIDTH_BITS[name]);
}

/** a·b mod P, both in the reflected representation (x^0 is the top bit). */
function multiplyModP(name: CrcName, a: bigint, b: bigint): bigint {
  const width = BigInt(WIDTH_BITS[name]);
  const poly = POLYNOMIALS[name];
  let m = 1n << (width - 1n);
  let product = 0n;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ poly : b >> 1n;
  }
  return product;
}

/** x^(8·lengthBytes) mod P: squaring x^(2^k) for each set bit of the length in bits. */
function powerOfX(name: CrcName, lengthBytes: number): bigint {
  const width = BigInt(WIDTH_BITS[name]);
  let result = 1n << (width - 1n); // x^0
  let square = 1n << (width - 2n); // x^1
  let bits = BigInt(lengthBytes) * 8n;
  while (bits > 0n) {
    if (bits & 1n) result = multiplyModP(name, square, result);
    square = multiplyModP(name, square, square);
    bits >>= 1n;
  }
  return result;
}

function toBase64(value: bigint, width: number): string {
  const bytes = Buffer.alloc(width / 8);
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes.toString('base64');
}

function fromBase64(text: string): bigint {
  let value = 0n;
  for (const byte of Buffer.from(text, 'base64')) value = (value << 8n) | BigInt(byte);
  return value;
}

// CRC32C: 8 tables of 256 entries, one for each byte position of an 8-byte step. Built on first use, as are
// CRC64NVME's: every run loads this module, few ask for these checksums.
let crc32cTables: Uint32Array | undefined;

function crc32c(): CrcHasher {
  let crc = 0xffffffff;
  const t = (crc32cTables ??= sliceTables32(0x82f63b78));
  return {
    update(bytes) {
      let i = 0;
      for (; i + 8 <= bytes.length; i += 8) {
        const a =
          (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
        crc =
          t[7 * 256 + (a & 0xff)]! ^
          t[6 * 256 + ((a >>> 8) & 0xff)]! ^
          t[5 * 256 + ((a >>> 16) & 0xff)]! ^
          t[4 * 256 + (a >>> 24)]! ^
          t[3 * 256 + bytes[i + 4]!]! ^
          t[2 * 256 + bytes[i + 5]!]! ^
          t[256 + bytes[i + 6]!]! ^
          t[bytes[i + 7]!]!;
      }
      for (; i < bytes.length; i++) crc = (crc >>> 8) ^ t[(crc ^ bytes[i]!) & 0xff]!;
    },
    digest: () => toBase64(BigInt((crc ^ 0xffffffff) >>> 0), 32),
  };
}

function sliceTables32(poly: number): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++)
    for (let s = 1; s < 8; s++)
      t[s * 256 + n] = (t[(s - 1) * 256 + n]! >>> 8) ^ t[t[(s - 1) * 256 + n]! & 0xff]!;
  return t;
}

// CRC64NVME: the 64-bit register as two 32-bit halves (BigInt per byte would be far slower), 8 bytes a step.
let crc64Tables: { hi: Uint32Array; lo: Uint32Array } | undefined;

function crc64nvme(): CrcHasher {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  const { hi: th, lo: tl } = (crc64Tables ??= sliceTables64(POLYNOMIALS.CRC64NVME));
  return {
    update(bytes) {
      let i = 0;
      for (; i + 8 <= bytes.length; i += 8) {
        const a =
          (lo ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
        const b =
          (hi ^ (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24))) >>> 0;
        const k0 = 7 * 256 + (a & 0xff);
        const k1 = 6 * 256 + ((a >>> 8) & 0xff);
        const k2 = 5 * 256 + ((a >>> 16) & 0xff);
        const k3 = 4 * 256 + (a >>> 24);
        const k4 = 3 * 256 + (b & 0xff);
        const k5 = 2 * 256 + ((b >>> 8) & 0xff);
        const k6 = 256 + ((b >>> 16) & 0xff);
        const k7 = b >>> 24;
        lo = tl[k0]! ^ tl[k1]! ^ tl[k2]! ^ tl[k3]! ^ tl[k4]! ^ tl[k5]! ^ tl[k6]! ^ tl[k7]!;
        hi = th[k0]! ^ th[k1]! ^ th[k2]! ^ th[k3]! ^ th[k4]! ^ th[k5]! ^ th[k6]! ^ th[k7]!;
      }
      for (; i < bytes.length; i++) {
        const index = (lo ^ bytes[i]!) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ tl[index]!;
        hi = (hi >>> 8) ^ th[index]!;
      }
    },
    digest: () => toBase64((BigInt((hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((lo ^ 0xffffffff) >>> 0), 64),
  };
}

function sliceTables64(poly: bigint): { hi: Uint32Array; lo: Uint32Array } {
  const table = new Array<bigint>(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++)
    for (let s = 1; s < 8; s++) {
      const previous = table[(s - 1) * 256 + n]!;
      table[s * 256 + n] = (previous >> 8n) ^ table[Number(previous & 0xffn)]!;
    }
  return {
    hi: Uint32Array.from(table, (value) => Number(value >> 32n)),
    lo: Uint32Array.from(table, (value) => Number(value & 0xffffffffn)),
  };
}
