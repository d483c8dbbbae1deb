/**
 * Object settings on Ceph RGW: tags (project=<key> by default on Amazon S3 only, so none here unless asked), user
 * metadata, a canned ACL, SSE-KMS with the test KMS and SSE-C with a key file reach the stored objects, a rerun
 * skips them and `check` proves them; `check` reports an object whose tags differ from the settings as
 * 'settings-differ' (exit 1); `upload --fix-settings` moves objects to the test zone's second storage class (COLD)
 * and tags them by copies in the bucket, without sending their bytes, and a dry run says what it would change.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GetObjectAclCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { S3Store } from '../../src/remote/s3-store.js';
import { fixObjectSettings } from '../../src/transfer/fix-settings.js';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBytes, writeFiles } from '../support/fixtures.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { readLogRows, readStatusJson } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, makeTestClient } from '../support/s3-env.js';
import {
  acceptedPartNumbers,
  deleteBucket,
  digestFile,
  interruptAfterParts,
  digestObject,
  keyOf,
  MiB,
  uploadArgs,
  uploadOneFile,
  useHarnessBucket,
  waitForProxy,
  type Harness,
} from './transfer-harness.js';

const SMALL = 'reels/R001/R001.json';
const REEL = 'reels/R001/R001.mp4';

let bucket: string;
const { harness } = useHarnessBucket('objset', (created) => (bucket = created));
const client = makeTestClient();
afterAll(() => client.destroy());

async function project(projectKey: string): Promise<Harness> {
  const h = await harness(projectKey);
  await writeFiles(h.projectDir, {
    [SMALL]: makeBytes(50 * 1024, `${projectKey}-small`),
    [REEL]: { sizeBytes: 20 * MiB, seed: projectKey },
  });
  return h;
}

async function tagsOf(key: string): Promise<Record<string, string>> {
  const out = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key, t.Value]));
}

async function openUploadIds(key: string): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  return (out.Uploads ?? []).map((upload) => upload.UploadId ?? '');
}

function checkArgs(h: Harness, ...extra: string[]): string[] {
  return [
    'check',
    '--config',
    h.configPath,
    '--folder',
    h.projectDir,
    '--project-key',
    h.projectKey,
    '--state-dir',
    h.stateDir,
    ...extra,
  ];
}

/** A rerun with the same flags sends no bytes. */
async function expectRerunSendsNothing(h: Harness, ...flags: string[]): Promise<void> {
  h.proxy.resetStats();
  const rerun = await runCli(uploadArgs(h, ...flags));
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(h.proxy.stats().byOperation.PutObject ?? 0).toBe(0);
  expect(h.proxy.stats().byOperation.UploadPart ?? 0).toBe(0);
}

describe('tags, metadata, canned ACL and SSE-KMS', () => {
  it('stores every object with them, on single and multipart uploads; a rerun skips and check proves', async () => {
    const h = await project('OBJ1');
    const flags = [
      '--tag',
      'team=field',
      '--metadata',
      'vessel=Ocean One',
      '--acl',
      'public-read',
      '--sse',
      'aws:kms',
      '--sse-kms-key-id',
      'testkey-1',
      '--verify-large',
    ];
    const run = await runCli(uploadArgs(h, ...flags));
    expect(run.code, run.stderr).toBe(0);
    for (const rel of [SMALL, REEL]) {
      const key = keyOf(h, rel);
      expect(await tagsOf(key)).toEqual({ team: 'field' });
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.Metadata).toMatchObject({ vessel: 'Ocean One', 'mtime-ms': expect.any(String) });
      expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', 'testkey-1']);
      const acl = await client.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
      const grants = (acl.Grants ?? []).map((g) => [g.Grantee?.URI, g.Permission]);
      expect(grants).toContainEqual(['http://acs.amazonaws.com/groups/global/AllUsers', 'READ']);
    }
    await expectRerunSendsNothing(h, ...flags);
    const check = await runCli(checkArgs(h, ...flags));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('tags each object sent whole where the server dropped x-amz-tagging from its PutObject (s3rver)', async () => {
    const h = await harness('TAGDROP', [
      { match: { operation: 'PutObject' }, action: 'ignore-tagging-header', times: Infinity },
    ]);
    const rels = ['config/a.yaml', 'config/b.yaml', 'logs/run.log'];
    await writeFiles(h.projectDir, Object.fromEntries(rels.map((rel) => [rel, makeBytes(1024, rel)])));
    const run = await runCli(uploadArgs(h, '--tag', 'team=field', '--max-concurrency', '1'));
    expect(run.code, run.stderr).toBe(0);
    expect(h.proxy.stats().log.filter((e) => e.fault === 'ignore-tagging-header')).toHaveLength(3);
    for (const rel of rels) expect(await tagsOf(keyOf(h, rel))).toEqual({ team: 'field' });
    const check = await runCli(checkArgs(h, '--tag', 'team=field'));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('warns once where the server keeps no tags at all, and stores every object untagged (exit 0)', async () => {
    // s3rver's PutObject and Ceph RGW's CreateMultipartUpload drop the tags; no PutObjectTagging sets them after
    const h = await harness('TAGNONE', [
      { match: { operation: 'PutObject' }, action: 'ignore-tagging-header', times: Infinity },
      { match: { method: 'PUT', subresource: 'tagging' }, action: 'not-implemented-501', times: Infinity },
    ]);
    await writeFiles(h.projectDir, {
      'config/a.yaml': makeBytes(1024, 'a'),
      'logs/run.log': makeBytes(1024, 'run'),
      [REEL]: { sizeBytes: 20 * MiB, seed: 'TAGNONE' },
    });
    const run = await runCli(uploadArgs(h, '--tag', 'team=field', '--max-concurrency', '1'));
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('keeps no object tags'));
    expect(warnings, run.stderr).toHaveLength(1);
    expect(warnings[0]).toMatch(/objects are stored untagged; remove tags \/ --tag for this endpoint$/);
    expect(h.proxy.stats().log.filter((e) => e.fault === 'not-implemented-501').length).toBeGreaterThan(1);
    expect(await tagsOf(keyOf(h, REEL))).toEqual({});
  });

  it('check reports objects whose tags differ from the settings, and exits 1', async () => {
    const h = await project('OBJ2');
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    expect(await tagsOf(keyOf(h, SMALL))).toEqual({}); // no default tags on a custom endpoint
    const check = await runCli(checkArgs(h, '--tag', 'team=field'));
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain(
      `settings-differ ${keyOf(h, SMALL)}: settings differ: tag team missing, wanted field`,
    );
    expect(check.stdout).toMatch(/2 with other settings/);
  });
});

describe('SSE-C with a key file', () => {
  it('uploads with the key, a rerun skips, check proves, and the key never shows', async () => {
    const h = await project('OBJ3');
    const key = randomBytes(32);
    const keyFile = path.join(h.stateDir, '..', 'ssec.key');
    await writeFile(keyFile, key.toString('base64'));
    await appendFile(h.configPath, `\nsse_customer_key_file: ${JSON.stringify(keyFile)}\n`);
    const run = await runCli(uploadArgs(h, '--debug', '--verify-large'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr + run.stdout).not.toContain(key.toString('base64'));
    const head = await client.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: keyOf(h, REEL),
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect(head.SSECustomerAlgorithm).toBe('AES256');
    await expect(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(h, REEL) })),
    ).rejects.toThrow();
    await expectRerunSendsNothing(h, '--verify-large');
    const check = await runCli(checkArgs(h));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

describe('SSE-C with another key than the objects were stored with', () => {
  it('stops check and --verify (exit 2) with one line naming the key setting, and no retry noise', async () => {
    const h = await project('OBJ5');
    const keyFile = path.join(h.stateDir, '..', 'ssec.key');
    await writeFile(keyFile, randomBytes(32).toString('base64'));
    await appendFile(h.configPath, `\nsse_customer_key_file: ${JSON.stringify(keyFile)}\n`);
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    await writeFile(keyFile, randomBytes(32).toString('base64'));
    for (const args of [checkArgs(h), uploadArgs(h, '--verify')]) {
      const refused = await runCli(args);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(
        /^upload-to-s3: .*: the server refused the SSE-C key \(HTTP 400\); the object is stored with another SSE-C key, or without one; set sse_customer_key_file/m,
      );
      expect(refused.stderr).not.toMatch(/retrying|^\s+at /m);
    }
  });
});

describe('an interrupted upload run again with other settings', () => {
  it("is started again with them: completing it would store the first run's", async () => {
    const h = await project('OBJ4');
    const first = uploadArgs(h, '--metadata', 'vessel=A');
    const journal = await interruptAfterParts(h, 1, first);
    const changed = ['--metadata', 'vessel=B', '--storage-class', 'COLD', '--verify-large'];

    const dry = await runCli(uploadArgs(h, ...changed, '--dry-run'));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).not.toMatch(/resume/i);
    const same = await runCli([...first, '--dry-run']);
    expect(same.stdout).toMatch(/resume/i);

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h, ...changed));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(
      `${keyOf(h, REEL)}: starting the upload again, since the interrupted one was started with other ` +
        'settings (storage class bucket default -> COLD; metadata vessel; no SHA-256 in its metadata, which ' +
        '--verify-large stores)',
    );
    expect(acceptedPartNumbers(h.proxy.stats())).toEqual([1, 2, 3]);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(h, REEL) }));
    expect(head.StorageClass).toBe('COLD');
    expect(head.Metadata).toMatchObject({
      vessel: 'B',
      sha256: (await digestFile(path.join(h.projectDir, REEL), 8 * MiB)).sha256,
    });
    expect(await openUploadIds(keyOf(h, REEL))).not.toContain(journal.uploadId);
  });
});

describe("a bucket policy that refuses untagged uploads (the README's RequireProjectTag)", () => {
  it('is met by the upload, its bucket lock object and credentials test, all tagged as configured', async () => {
    const tagged = await createTestBucket('objset-tagged');
    try {
      await client.send(
        new PutBucketPolicyCommand({
          Bucket: tagged,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:PutObject',
                Resource: `arn:aws:s3:::${tagged}/*`,
                Condition: { Null: { 's3:RequestObjectTag/project': 'true' } },
              },
            ],
          }),
        }),
      );
      // the policy is in force: an untagged PutObject is refused
      await expect(
        client.send(new PutObjectCommand({ Bucket: tagged, Key: 'TAG1/untagged', Body: 'x' })),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
      const h = await harness('TAG1', [], tagged);
      await writeFiles(h.projectDir, { [SMALL]: makeBytes(50 * 1024, 'TAG1-small') });
      await appendFile(h.configPath, '\ntags: { project: TAG1 }\n');
      const run = await runCli(uploadArgs(h, '--bucket-lock'));
      expect(run.code, run.stderr).toBe(0);
      const probe = await runCli(['credentials', 'test', '--config', h.configPath, '--project-key', 'TAG1']);
      expect(probe.code, probe.stderr).toBe(0);
      expect(probe.stdout).toContain('write access confirmed');
    } finally {
      await deleteBucket(tagged).catch(() => {});
    }
  });
});

describe('--fix-settings', () => {
  const COLD = ['--storage-class', 'COLD', '--tag', 'team=field'];

  async function headOf(key: string) {
    return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  }

  it('moves objects to another class and tags them by copies in the bucket; the dry run says so first', async () => {
    const h = await project('FIX1');
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const before = new Map<string, Awaited<ReturnType<typeof headOf>>>();
    for (const rel of [SMALL, REEL]) before.set(rel, await headOf(keyOf(h, rel)));
    expect(before.get(REEL)?.StorageClass ?? 'STANDARD').toBe('STANDARD');

    const check = await runCli(checkArgs(h, ...COLD));
    expect(check.code, check.stdout + check.stderr).toBe(1);

    const dry = await runCli(uploadArgs(h, ...COLD, '--fix-settings', '--dry-run'));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      'would fix settings in place (a copy in the bucket, no bytes sent): 2 objects',
    );
    expect(dry.stdout).toContain(
      `${keyOf(h, REEL)}: settings differ: storage class STANDARD, wanted COLD; tag team missing, wanted field`,
    );
    expect((await headOf(keyOf(h, REEL))).StorageClass ?? 'STANDARD').toBe('STANDARD');

    h.proxy.resetStats();
    const fix = await runCli(uploadArgs(h, ...COLD, '--fix-settings'));
    expect(fix.code, fix.stderr).toBe(0);
    const sent = h.proxy.stats().byOperation;
    expect([sent.PutObject ?? 0, sent.UploadPart ?? 0, sent.CopyObject ?? 0]).toEqual([0, 0, 2]);
    for (const rel of [SMALL, REEL]) {
      const head = await headOf(keyOf(h, rel));
      const was = before.get(rel);
      expect(head.StorageClass).toBe('COLD');
      expect([head.ContentType, head.ContentLength, head.Metadata]).toEqual([
        was?.ContentType,
        was?.ContentLength,
        was?.Metadata,
      ]);
      expect(await tagsOf(keyOf(h, rel))).toEqual({ team: 'field' });
    }

    const proven = await runCli(checkArgs(h, ...COLD));
    expect(proven.code, proven.stdout + proven.stderr).toBe(0);
    h.proxy.resetStats();
    const again = await runCli(uploadArgs(h, ...COLD, '--fix-settings'));
    expect(again.code, again.stderr).toBe(0);
    expect(h.proxy.stats().byOperation.CopyObject ?? 0).toBe(0);
  });

  it('ends with the wanted encryption even where a copy cannot give it (then the file is sent again, keeping the metadata and tags)', async () => {
    const h = await project('FIX2');
    const run = await runCli(uploadArgs(h, '--metadata', 'vessel=Ocean', '--tag', 'keep=me'));
    expect(run.code, run.stderr).toBe(0);
    const kms = ['--sse', 'aws:kms', '--sse-kms-key-id', 'testkey-1'];
    const fix = await runCli(uploadArgs(h, ...kms, '--tag', 'team=field', '--fix-settings'));
    expect(fix.code, fix.stderr).toBe(0);
    for (const rel of [SMALL, REEL]) {
      const head = await headOf(keyOf(h, rel));
      expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', 'testkey-1']);
      expect(head.Metadata?.vessel).toBe('Ocean');
      expect(await tagsOf(keyOf(h, rel))).toEqual({ keep: 'me', team: 'field' });
    }
    const check = await runCli(checkArgs(h, ...kms, '--verify-large'));
    expect(check.stdout).not.toContain('settings-differ');
  });

  it('sends the file again where the server copies no such object (Ceph RGW: SSE-KMS objects, 501)', async () => {
    const h = await project('FIX5');
    const kms = ['--sse', 'aws:kms', '--sse-kms-key-id', 'testkey-1'];
    const run = await runCli(uploadArgs(h, ...kms, '--tag', 'keep=me'));
    expect(run.code, run.stderr).toBe(0);

    const fix = await runCli(uploadArgs(h, ...kms, '--storage-class', 'COLD', '--fix-settings'));
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    for (const rel of [SMALL, REEL]) {
      const head = await headOf(keyOf(h, rel));
      expect([head.StorageClass, head.ServerSideEncryption]).toEqual(['COLD', 'aws:kms']);
      expect(await tagsOf(keyOf(h, rel))).toEqual({ keep: 'me' });
    }
  });

  it('copies an object part by part (as over 5 GiB) and check still proves it', async () => {
    const h = await project('FIX3');
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);
    const env = getS3Env();
    const store = new S3Store({
      region: env.region,
      endpoint: env.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    });
    try {
      const fixed = await fixObjectSettings(
        { key: keyOf(h, REEL), group: 'reels' },
        {
          store,
          bucket,
          settingsFor: () => ({ storageClass: 'COLD', tags: {}, metadata: {} }),
          customerKey: false,
          signal: new AbortController().signal,
          copyLimitBytes: 5 * MiB,
        },
      );
      expect(fixed.unapplied).toBeUndefined();
      expect(fixed.etag).toMatch(/-3$/); // 20 MiB in the upload's own 8 MiB parts
    } finally {
      store.destroy();
    }
    expect((await headOf(keyOf(h, REEL))).StorageClass).toBe('COLD');
    const check = await runCli(checkArgs(h));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

describe('a server that does not know ?tagging (fauxqs serves the object there, and stores a PUT as the object)', () => {
  const IGNORE_TAGGING = [
    { match: { subresource: 'tagging' }, action: 'ignore-subresource' as const, times: Infinity },
  ];

  async function expectWhole(h: Harness): Promise<void> {
    for (const rel of [SMALL, REEL]) {
      const local = await digestFile(path.join(h.projectDir, rel), 8 * MiB);
      expect(await digestObject(bucket, keyOf(h, rel))).toEqual({
        sizeBytes: local.sizeBytes,
        sha256: local.sha256,
      });
    }
  }

  /** Every request for `?tagging` a run sent: only reads, each answered with the object's first byte. */
  function taggingRequests(h: Harness): string[] {
    return h.proxy
      .stats()
      .log.filter((e) => /[?&]tagging/.test(e.url))
      .map((e) => `${e.method} ${e.status}`);
  }

  it('leaves every object whole: upload, check and --fix-settings tag nothing and read one byte', async () => {
    const h = await project('NOTAG');
    h.proxy.setRules(IGNORE_TAGGING);
    // Ceph drops the tags of a multipart upload, so the reel is one a run would tag after it; the small file, the
    // run's first object sent whole, has its tags read back to learn whether PutObject kept them
    const run = await runCli(uploadArgs(h, '--tag', 'team=field'));
    expect(run.code, run.stderr).toBe(0);
    await expectWhole(h);
    expect(taggingRequests(h)).toEqual(['GET 206', 'GET 206']);

    h.proxy.resetStats();
    const check = await runCli(checkArgs(h, '--tag', 'team=field'));
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(taggingRequests(h)).toEqual(['GET 206', 'GET 206']);

    h.proxy.resetStats();
    const fix = await runCli(uploadArgs(h, '--tag', 'team=other', '--fix-settings'));
    expect(fix.code, fix.stderr).toBe(0);
    expect(taggingRequests(h).every((request) => request === 'GET 206')).toBe(true);
    await expectWhole(h);
  });
});

describe('a canned ACL the server does not apply (Swift s3api keeps public-read objects private)', () => {
  it.each([
    ['one PutObject', SMALL, 50 * 1024, 'PutObject'],
    ['a multipart upload', REEL, 20 * MiB, 'CreateMultipartUpload'],
  ] as const)(
    'stops the run (exit 2) at the first object, %s, with one line naming it and the fix',
    async (_how, rel, sizeBytes, operation) => {
      const h = await harness(`ACLOFF${sizeBytes}`, [
        { match: { operation }, action: 'ignore-acl-header', times: Infinity },
      ]);
      const run = await uploadOneFile(h, rel, sizeBytes, '--acl', 'public-read');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n').at(-1)).toBe(
        `upload-to-s3: upload ${keyOf(h, rel)}: the server did not apply the ACL asked for (acl public-read: its ` +
          'ACL has no AllUsers READ grant); remove acl / --acl for this endpoint, or use one that applies it',
      );
    },
  );

  it('fails every object stored beside the one read back, not only that one, so the next run sends them again', async () => {
    const h = await harness('ACLMANY', [
      { match: { operation: 'PutObject' }, action: 'ignore-acl-header', times: Infinity },
      // the ACL read back is answered only once every object is stored: those beside it must wait for it
      { match: { operation: 'Other', subresource: 'acl' }, action: 'hold', times: Infinity },
    ]);
    const names = Array.from({ length: 6 }, (_, i) => `logs/day-${i}.log`);
    await writeFiles(h.projectDir, Object.fromEntries(names.map((rel) => [rel, makeBytes(1024, rel)])));
    const cli = spawnCli(uploadArgs(h, '--acl', 'public-read'));
    // every object stored, and the read-back held: only then may the verdict come
    await waitForProxy(
      h.proxy,
      (stats) =>
        stats.log.filter((e) => e.operation === 'PutObject' && e.status === 200).length === names.length &&
        stats.log.some((e) => /[?&]acl(?:=|&|$)/.test(e.url)),
    );
    h.proxy.release();
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(2);
    const rows = await readLogRows(h.logCsv);
    expect(rows.map((row) => row.outcome)).toEqual(names.map(() => 'failed'));
    expect(run.stderr).toMatch(/the ACL of .*, stored with it in this run, has no AllUsers READ grant/);
  });

  it('is read once per run where the server applies it', async () => {
    const h = await project('ACLON');
    const run = await runCli(uploadArgs(h, '--acl', 'public-read'));
    expect(run.code, run.stderr).toBe(0);
    expect(h.proxy.stats().log.filter((e) => /[?&]acl(?:=|&|$)/.test(e.url)).length).toBe(1);
  });
});

describe('a storage class the server does not keep', () => {
  it('is proven kept by one HeadObject of the first object sent whole, and by the check of each multipart one', async () => {
    const h = await project('CLASS1');
    const run = await runCli(uploadArgs(h, '--storage-class', 'COLD'));
    expect(run.code, run.stderr).toBe(0);
    const small = h.proxy.stats().log.filter((e) => e.url.includes('R001.json'));
    const put = small.findIndex((e) => e.operation === 'PutObject');
    expect(small.slice(put + 1).map((e) => e.operation)).toEqual(['HeadObject']);
    for (const rel of [SMALL, REEL])
      expect(
        (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(h, rel) }))).StorageClass,
      ).toBe('COLD');
  });

  it.each([
    ['sent whole', 'CLASS2', SMALL, 50 * 1024],
    ['sent by multipart', 'CLASS3', REEL, 20 * MiB],
  ])(
    'stops the run (exit 2) at the first object %s that a HeadObject shows in STANDARD, with one line naming it',
    async (_how, projectKey, rel, sizeBytes) => {
      const h = await harness(projectKey);
      h.proxy.setRules([
        { match: { operation: 'HeadObject' }, action: 'drop-storage-class', times: Infinity },
      ]);
      const run = await uploadOneFile(h, rel, sizeBytes, '--storage-class', 'COLD');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `upload ${keyOf(h, rel)}: the server did not keep the class asked for (storage class STANDARD, wanted ` +
          'COLD); remove storage_class / --storage-class for this endpoint, or use one that applies it',
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
    },
  );

  it('fails every object sent whole beside the one a HeadObject read back in STANDARD', async () => {
    const h = await harness('CLASSMANY', [
      // the class read back is told only once every object is stored: those beside it must wait for it
      {
        match: { operation: 'HeadObject', keyIncludes: '/logs/day-' },
        action: 'drop-storage-class',
        holdAnswer: true,
        after: 6, // the run's HeadObject of each file before it sends any (404)
        times: Infinity,
      },
    ]);
    const names = Array.from({ length: 6 }, (_, i) => `logs/day-${i}.log`);
    await writeFiles(h.projectDir, Object.fromEntries(names.map((rel) => [rel, makeBytes(1024, rel)])));
    const cli = spawnCli(uploadArgs(h, '--storage-class', 'COLD'));
    await waitForProxy(
      h.proxy,
      (stats) =>
        stats.log.filter((e) => e.operation === 'PutObject' && e.status === 200).length === names.length &&
        stats.log.some(
          (e) => e.operation === 'HeadObject' && e.url.includes('/logs/day-') && e.status === 200,
        ),
    );
    h.proxy.release();
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(2);
    const rows = await readLogRows(h.logCsv);
    expect(rows.map((row) => row.outcome)).toEqual(names.map(() => 'failed'));
  });

  it('is proven once per class of a map by folder type: one class kept does not vouch for another', async () => {
    const h = await harness('CLASS4');
    await writeFiles(h.projectDir, {
      'reels/R001/R001.json': makeBytes(1024, 'CLASS4-reel'),
      'config/site.yaml': makeBytes(1024, 'CLASS4-config'),
    });
    await appendFile(h.configPath, '\nstorage_class: { default: COLD, reels: STANDARD }\n');
    h.proxy.setRules([{ match: { operation: 'HeadObject' }, action: 'drop-storage-class', times: Infinity }]);
    const run = await runCli(uploadArgs(h, '--max-concurrency', '1'));
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      `upload ${keyOf(h, 'config/site.yaml')}: the server did not keep the class asked for (storage class ` +
        'STANDARD, wanted COLD)',
    );
    const reel = h.proxy.stats().log.filter((e) => e.url.includes('R001.json'));
    const put = reel.findIndex((e) => e.operation === 'PutObject');
    expect(reel.slice(put + 1).map((e) => e.operation)).toEqual(['HeadObject']);
    // the reel's sidecar is stored: exit 2 here does not mean that nothing was sent
    const status = await readStatusJson(h.statusJson);
    expect(status.totals).toMatchObject({ uploaded: 1 });
    expect(status.run_error).toMatchObject({ exit_code: 2 });
    expect(JSON.stringify(status.run_error)).not.toMatch(/nothing was (sent|uploaded)/);
  });

  it('refused by the server at the first request ends the run with the error alone: nothing was done to sum up', async () => {
    const h = await harness('CLASS4');
    const run = await uploadOneFile(h, SMALL, 1024, '--storage-class', 'NO_SUCH_CLASS');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /^upload-to-s3: upload \S+: request refused \(\w+, HTTP 400\); .*storage_class/m,
    );
    expect(run.stdout).not.toContain('Upload failed');
    expect(run.stdout).not.toContain('not done');
  });
});

describe('a request refused for one header the server names (Amazon S3 names it in ArgumentName)', () => {
  it('stops the run (exit 2) with the one setting behind that header, not every setting a request carries', async () => {
    const h = await harness('ARGNAME');
    h.proxy.setRules([
      { match: { operation: 'PutObject' }, action: 'invalid-kms-key-400', times: Infinity },
      { match: { operation: 'CreateMultipartUpload' }, action: 'invalid-kms-key-400', times: Infinity },
    ]);
    const run = await uploadOneFile(h, SMALL, 1024, '--sse', 'aws:kms', '--sse-kms-key-id', 'not-an-arn');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /^upload-to-s3: .*Invalid arn us-east-1 \(InvalidArgument, HTTP 400\); the server refused the x-amz-server-side-encryption-aws-kms-key-id header; check sse_kms_key_id \/ --sse-kms-key-id$/m,
    );
    expect(run.stderr).not.toContain('acl / --acl');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
