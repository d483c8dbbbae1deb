/**
 * The request shapes of checksum mode (Amazon S3), checked at the SDK boundary with a mocked client: every body's
 * SHA-256 goes as a flexible checksum, the upload asks for SHA-256 part checksums and its completion names them,
 * and an answer whose checksum is not ours is an error, never an uploaded file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crcOf } from '../../../src/content/crc.js';
import { RemoteError } from '../../../src/errors.js';
import { S3Store } from '../../../src/remote/s3-store.js';
import { uploadFile, type TransferContext } from '../../../src/transfer/upload-file.js';
import { mockedTransferContext } from '../../support/transfer-context.js';

const MiB = 1024 ** 2;
const PART = 8 * MiB;
const REEL = randomBytes(20 * MiB); // three parts: 8 + 8 + 4 MiB
const SMALL = randomBytes(100 * 1024);

const s3 = mockClient(S3Client);
let dir: string;
let store: S3Store;

function b64(hash: 'sha256' | 'md5', bytes: Buffer): string {
  return createHash(hash).update(bytes).digest('base64');
}

function partBytes(partNumber: number): Buffer {
  return REEL.subarray((partNumber - 1) * PART, partNumber * PART);
}

/** S3's composite checksum: SHA-256 of the binary part SHA-256s, base64, `-N`. */
function composite(): string {
  const parts = [1, 2, 3].map((n) => createHash('sha256').update(partBytes(n)).digest());
  return `${createHash('sha256').update(Buffer.concat(parts)).digest('base64')}-3`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'checksum-mode-'));
  await writeFile(path.join(dir, 'reel.mp4'), REEL);
  await writeFile(path.join(dir, 'small.json'), SMALL);
});

afterAll(async () => {
  s3.restore();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  s3.reset();
  store = new S3Store({
    region: 'us-east-1',
    forcePathStyle: false,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    // these tests read PutObject's input from the mocked SDK client; lean-put.test.ts pins the lean path's headers
    leanPut: false,
  });
});

afterEach(() => store.destroy());

function context(stateDir: string): Promise<TransferContext> {
  return mockedTransferContext(store, stateDir, {
    bucket: 'survey',
    endpointId: 'aws:us-east-1',
    integrity: 'checksum',
    settingsFor: () => ({ encryption: { sse: 'aws:kms', kmsKeyId: 'key-1' }, tags: {}, metadata: {} }),
  });
}

async function fileToSend(name: string) {
  const filePath = path.join(dir, name);
  const info = await stat(filePath);
  return { path: filePath, key: `P/${name}`, sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) };
}

/** AWS's answer to an UploadPart: an opaque ETag, SSE-KMS, and the checksum of the part it stored. */
function awsPartAnswer(input: UploadPartCommandInput, checksum = input.ChecksumSHA256) {
  return {
    ETag: `"opaque-${input.PartNumber}"`,
    ServerSideEncryption: 'aws:kms' as const,
    ChecksumSHA256: checksum,
  };
}

function mockMultipart(): void {
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1', ServerSideEncryption: 'aws:kms' });
  s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => awsPartAnswer(input));
  s3.on(CompleteMultipartUploadCommand).resolves({
    ETag: '"opaque-3"',
    ServerSideEncryption: 'aws:kms',
    ChecksumSHA256: composite(),
    ChecksumType: 'COMPOSITE',
  });
  s3.on(HeadObjectCommand).resolves({
    ContentLength: REEL.length,
    ETag: '"opaque-3"',
    ServerSideEncryption: 'aws:kms',
    ChecksumSHA256: composite(),
    ChecksumType: 'COMPOSITE',
  });
  s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [] });
}

describe('checksum mode, multipart', () => {
  it('asks for SHA-256 checksums, sends each part with its own, and completes naming them', async () => {
    mockMultipart();
    const stateDir = await mkdtemp(path.join(dir, 'state-'));
    const sent = await uploadFile(await fileToSend('reel.mp4'), await context(stateDir), () => {});

    const create = s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      ChecksumAlgorithm: 'SHA256',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'key-1',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => [p.PartNumber, p.ChecksumSHA256, p.ContentMD5]).sort()).toEqual(
      [1, 2, 3].map((n) => [n, b64('sha256', partBytes(n)), undefined]),
    );
    expect(parts.every((p) => p.ServerSideEncryption === undefined)).toBe(true); // SSE goes on Create only
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete.MultipartUpload?.Parts).toEqual(
      [1, 2, 3].map((n) => ({
        PartNumber: n,
        ETag: `"opaque-${n}"`,
        ChecksumSHA256: b64('sha256', partBytes(n)),
      })),
    );
    expect(sent).toMatchObject({ etag: 'opaque-3', partsSent: 3, detail: 'multipart, 3 parts' });
  });

  it('sends a part again when its answer names another checksum than ours', async () => {
    mockMultipart();
    let wrongOnce = true;
    s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => {
      if (input.PartNumber !== 2 || !wrongOnce) return awsPartAnswer(input);
      wrongOnce = false;
      return awsPartAnswer(input, b64('sha256', Buffer.from('other bytes')));
    });
    const stateDir = await mkdtemp(path.join(dir, 'state-'));
    await uploadFile(await fileToSend('reel.mp4'), await context(stateDir), () => {});
    const partNumbers = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber);
    expect(partNumbers.filter((n) => n === 2)).toHaveLength(2);
    expect(partNumbers).toHaveLength(4);
  });

  it('fails the file when the completed object names another composite checksum', async () => {
    mockMultipart();
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"opaque-3"', ChecksumSHA256: 'AAAA-3' });
    const stateDir = await mkdtemp(path.join(dir, 'state-'));
    const upload = uploadFile(await fileToSend('reel.mp4'), await context(stateDir), () => {});
    await expect(upload).rejects.toThrow(RemoteError);
    await expect(upload).rejects.toThrow(
      /verify P\/reel\.mp4: the stored object does not match \(checksum AAAA-3/,
    );
  });
});

describe('checksum mode, one request', () => {
  it('sends Content-MD5 and the SHA-256 checksum, and sends again when the answer names another checksum', async () => {
    let answers = 0;
    s3.on(PutObjectCommand).callsFake(() => ({
      ETag: '"opaque"',
      ServerSideEncryption: 'aws:kms',
      ChecksumSHA256: ++answers === 1 ? b64('sha256', Buffer.from('other')) : b64('sha256', SMALL),
    }));
    const stateDir = await mkdtemp(path.join(dir, 'state-'));
    const sent = await uploadFile(await fileToSend('small.json'), await context(stateDir), () => {});
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({
      ContentMD5: b64('md5', SMALL),
      ChecksumSHA256: b64('sha256', SMALL),
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'key-1',
    });
    expect(sent).toMatchObject({ etag: 'opaque', detail: 'single request' });
  });
});

describe('full-object CRC64NVME', () => {
  const fullCrc = crcOf('CRC64NVME', REEL);

  function mockCrcMultipart(stored = fullCrc): void {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1', ServerSideEncryption: 'aws:kms' });
    s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => ({
      ETag: `"opaque-${input.PartNumber}"`,
      ServerSideEncryption: 'aws:kms' as const,
      ChecksumCRC64NVME: input.ChecksumCRC64NVME,
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({
      ETag: '"opaque-3"',
      ServerSideEncryption: 'aws:kms',
      ChecksumCRC64NVME: stored,
      ChecksumType: 'FULL_OBJECT',
    });
    s3.on(HeadObjectCommand).resolves({
      ContentLength: REEL.length,
      ETag: '"opaque-3"',
      ServerSideEncryption: 'aws:kms',
    });
    s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [] });
  }

  async function crcContext(): Promise<TransferContext> {
    const stateDir = await mkdtemp(path.join(dir, 'state-'));
    return { ...(await context(stateDir)), crc: 'CRC64NVME' };
  }

  it('asks for a full-object CRC, sends each part with its CRC, and completes with the whole file CRC', async () => {
    mockCrcMultipart();
    const sent = await uploadFile(await fileToSend('reel.mp4'), await crcContext(), () => {});
    const create = s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input;
    expect(create).toMatchObject({ ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' });
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => [p.PartNumber, p.ChecksumCRC64NVME, p.ChecksumSHA256]).sort()).toEqual(
      [1, 2, 3].map((n) => [n, crcOf('CRC64NVME', partBytes(n)), undefined]),
    );
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete).toMatchObject({ ChecksumCRC64NVME: fullCrc, ChecksumType: 'FULL_OBJECT' });
    expect(complete.MultipartUpload?.Parts).toEqual(
      [1, 2, 3].map((n) => ({
        PartNumber: n,
        ETag: `"opaque-${n}"`,
        ChecksumCRC64NVME: crcOf('CRC64NVME', partBytes(n)),
      })),
    );
    expect(sent.detail).toBe('multipart, 3 parts');
  });

  it('fails the file when the completed object names another full-object CRC', async () => {
    mockCrcMultipart(crcOf('CRC64NVME', Buffer.from('other')));
    const upload = uploadFile(await fileToSend('reel.mp4'), await crcContext(), () => {});
    await expect(upload).rejects.toThrow(/the stored object does not match \(CRC64NVME /);
  });

  it('sends a small file with its CRC and Content-MD5, and again when the answer names another CRC', async () => {
    let answers = 0;
    s3.on(PutObjectCommand).callsFake(() => ({
      ETag: '"opaque"',
      ServerSideEncryption: 'aws:kms',
      ChecksumCRC64NVME: ++answers === 1 ? crcOf('CRC64NVME', Buffer.from('x')) : crcOf('CRC64NVME', SMALL),
    }));
    await uploadFile(await fileToSend('small.json'), await crcContext(), () => {});
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({
      ContentMD5: b64('md5', SMALL),
      ChecksumCRC64NVME: crcOf('CRC64NVME', SMALL),
    });
    expect(puts[0]?.ChecksumSHA256).toBeUndefined();
  });
});
