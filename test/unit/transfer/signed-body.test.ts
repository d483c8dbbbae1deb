/**
 * Request bodies read from a real temporary file: the hash pass, and the streamed send that must deliver
 * exactly the range's bytes while reusing a couple of buffers, and never one the socket has not flushed yet.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import { plainRate } from '../../../src/config/bandwidth-schedule.js';
import { createBandwidthLimiter } from '../../../src/transfer/bandwidth-limiter.js';
import { BufferPool } from '../../../src/transfer/buffer-pool.js';
import { FileSource } from '../../../src/transfer/file-source.js';
import {
  hashedInFlightBody,
  hashRange,
  SLICE_BYTES,
  streamedBody,
} from '../../../src/transfer/signed-body.js';

const MiB = 1024 * 1024;
const CONTENT = randomBytes(10 * MiB + 12_345);
const RANGE = { start: 1_000, length: 7 * MiB + 777 };
const EXPECTED = CONTENT.subarray(RANGE.start, RANGE.start + RANGE.length);

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'signed-body-'));
  file = path.join(dir, 'reel.mp4');
  await writeFile(file, CONTENT);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openSource(): Promise<FileSource> {
  const info = await stat(file);
  return FileSource.open(file, { sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) });
}

/** Counts the buffers the pool had to allocate, as opposed to hand back. */
class CountingPool extends BufferPool {
  allocated = 0;
  private readonly known = new Set<Buffer>();
  override acquire(sizeBytes: number): Buffer {
    const buffer = super.acquire(sizeBytes);
    if (!this.known.has(buffer)) {
      this.known.add(buffer);
      this.allocated += 1;
    }
    return buffer;
  }
}

/**
 * A socket stand-in that keeps each chunk until it "flushes" it a little later, copying it only then: if the
 * body reused a buffer before the flush, the copy would hold the wrong bytes.
 */
function slowSocket(highWaterMark = 16 * 1024): {
  socket: Writable;
  received: () => Buffer;
  finished: Promise<void>;
} {
  const copies: Buffer[] = [];
  const socket = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        copies.push(Buffer.from(chunk));
        callback();
      }, 2);
    },
  });
  const finished = new Promise<void>((resolve, reject) => {
    socket.on('finish', resolve);
    socket.on('error', reject);
  });
  return { socket, received: () => Buffer.concat(copies), finished };
}

function pacing(signal = new AbortController().signal) {
  let counted = 0;
  return {
    limiter: createBandwidthLimiter(plainRate(0)),
    onBytes: (delta: number) => (counted += delta),
    signal,
    counted: () => counted,
  };
}

describe('hashRange', () => {
  it('hashes exactly the range, across slice boundaries, with only the digests asked for', async () => {
    const source = await openSource();
    try {
      const both = await hashRange(source, RANGE, Buffer.alloc(SLICE_BYTES), { sha256: true, md5: true });
      expect(both).toEqual({
        sha256: createHash('sha256').update(EXPECTED).digest('hex'),
        md5: createHash('md5').update(EXPECTED).digest('hex'),
      });
      const scratch = Buffer.alloc(SLICE_BYTES);
      expect(await hashRange(source, RANGE, scratch, { sha256: true, md5: false })).toEqual({
        sha256: both.sha256,
      });
      expect(await hashRange(source, RANGE, scratch, { sha256: false, md5: true })).toEqual({
        md5: both.md5,
      });
    } finally {
      await source.close();
    }
  });
});

describe('streamedBody', () => {
  // A socket whose buffer is smaller than a slice pushes back after every slice (as a real one does); one with
  // a bigger buffer takes several slices before flushing any, so a buffer reused too early would show.
  it.each([
    { socketBuffer: '16 KiB', highWaterMark: 16 * 1024, maxBuffers: 2 },
    { socketBuffer: '4 MiB', highWaterMark: 4 * MiB, maxBuffers: 8 },
  ])(
    'delivers the range byte for byte through a slow socket with a $socketBuffer buffer, using at most $maxBuffers buffers',
    async ({ highWaterMark, maxBuffers }) => {
      const source = await openSource();
      const pool = new CountingPool(64 * MiB);
      const pace = pacing();
      try {
        const body = streamedBody(source, RANGE, { md5Hex: 'unused' }, pace, pool);
        expect(body.lengthBytes).toBe(RANGE.length);
        const { socket, received, finished } = slowSocket(highWaterMark);
        body.stream.pipe(socket as NodeJS.WritableStream);
        await finished;
        expect(received().equals(EXPECTED)).toBe(true);
        expect(pace.counted()).toBe(RANGE.length);
        expect(Math.ceil(RANGE.length / SLICE_BYTES)).toBe(8);
        expect(pool.allocated).toBeLessThanOrEqual(maxBuffers);
      } finally {
        await source.close();
      }
    },
  );

  it('hands every buffer back when a body ends, so the bodies of later parts reuse them', async () => {
    const source = await openSource();
    const pool = new CountingPool(64 * MiB);
    try {
      for (let part = 0; part < 3; part++) {
        const body = streamedBody(source, RANGE, { md5Hex: 'unused' }, pacing(), pool);
        const { socket, received, finished } = slowSocket();
        body.stream.pipe(socket as NodeJS.WritableStream);
        await finished;
        expect(received().equals(EXPECTED)).toBe(true);
      }
      expect(pool.allocated).toBeLessThanOrEqual(2);
    } finally {
      await source.close();
    }
  });

  it('delivers the same bytes when read as an async iterable instead of piped', async () => {
    const source = await openSource();
    try {
      const body = streamedBody(source, RANGE, { md5Hex: 'unused' }, pacing(), new BufferPool(0));
      const chunks: Buffer[] = [];
      for await (const chunk of body.stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).equals(EXPECTED)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('fails with a SourceError when the file became shorter than the range', async () => {
    const shortFile = path.join(dir, 'shrinking.mp4');
    await writeFile(shortFile, CONTENT);
    const info = await stat(shortFile);
    const source = await FileSource.open(shortFile, {
      sizeBytes: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
    });
    try {
      await truncate(shortFile, 2 * MiB);
      const body = streamedBody(source, RANGE, { md5Hex: 'unused' }, pacing(), new BufferPool(0));
      const failed = new Promise((resolve) => body.stream.once('error', resolve));
      body.stream.pipe(slowSocket().socket as NodeJS.WritableStream);
      expect(await failed).toBeInstanceOf(SourceError);
    } finally {
      await source.close();
    }
  });

  it('fails, and stops reading, when the run is aborted while it waits for bandwidth', async () => {
    const source = await openSource();
    const controller = new AbortController();
    try {
      const pace = { ...pacing(controller.signal), limiter: createBandwidthLimiter(plainRate(1)) };
      const body = streamedBody(source, RANGE, { md5Hex: 'unused' }, pace, new BufferPool(0));
      const failed = new Promise((resolve) => body.stream.once('error', resolve));
      const { socket, received } = slowSocket();
      body.stream.pipe(socket as NodeJS.WritableStream);
      controller.abort(new Error('hard stop'));
      expect(await failed).toBeInstanceOf(Error);
      expect(received().length).toBeLessThan(RANGE.length);
    } finally {
      await source.close();
    }
  });
});

describe('hashedInFlightBody', () => {
  it('reads the range once, delivering it byte for byte and its MD5 once all of it went out', async () => {
    const source = await openSource();
    try {
      const pace = pacing();
      const hashed = hashedInFlightBody(source, RANGE, pace, new CountingPool(64 * MiB));
      expect(hashed.body).toMatchObject({ lengthBytes: RANGE.length, checkedByEtag: true });
      expect(hashed.body.md5Hex).toBeUndefined();
      const { socket, received, finished } = slowSocket();
      (hashed.body.stream as NodeJS.ReadableStream).pipe(socket as NodeJS.WritableStream);
      await finished;
      expect(received().equals(EXPECTED)).toBe(true);
      expect(hashed.digests()).toEqual({ md5: createHash('md5').update(EXPECTED).digest('hex') });
      expect(pace.counted()).toBe(RANGE.length);
    } finally {
      await source.close();
    }
  });

  it('has no digest for a body that did not go out to its end', async () => {
    const source = await openSource();
    try {
      const hashed = hashedInFlightBody(source, RANGE, pacing(), new BufferPool(0));
      const iterator = (hashed.body.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      await iterator.next();
      expect(() => hashed.digests()).toThrow(/read to \d+ of 7340809 bytes/);
      await iterator.return?.();
    } finally {
      await source.close();
    }
  });
});
