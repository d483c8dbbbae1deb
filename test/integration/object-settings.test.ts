/**
 * Object settings on Ceph RGW: tags (project=<key> by default on Amazon S3 only, so none here unless asked), user metadata, a canned ACL, SSE-KMS with the test
 * KMS and SSE-C with a key file reach the stored objects, a rerun skips them and `check` proves them; `check`
 * reports an object whose tags differ from the settings as 'settings-differ' (exit 1).
 */
import { randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectAclCommand, GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBytes, writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { makeTestClient } from '../support/s3-env.js';
import { keyOf, MiB, uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

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
