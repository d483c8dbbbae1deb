/**
 * An HTTPS endpoint signed by an in-house CA (an on-premises store, a TLS-inspecting proxy): refused with one line
 * naming the setting that fixes it (exit 2, nothing sent), then trusted through --ca-bundle, AWS_CA_BUNDLE or
 * ca_bundle, beside the built-in roots. A TLS front with a self-signed certificate for 127.0.0.1 forwards to the
 * test server; https:// to the server's plain port is named as the wrong scheme or port, not OpenSSL's text, and
 * http:// to the HTTPS port is named with the https:// URL to use.
 */
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAllObjects } from '../support/bucket.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';
import { startHttpsOnlyFront } from '../support/https-only-front.js';
import { startTlsFront, type TlsFront } from '../support/tls-front.js';
import { deleteBucket } from './transfer-harness.js';

const FILES = { 'config/survey.yaml': 'crew: 2\n', 'logs/run.log': 'started\n' };

let root: string;
let bucket: string;
let certificate: string;
let front: TlsFront;
let secureEndpoint: string;

beforeAll(async () => {
  root = await makeTempDir('tls-endpoint');
  await writeFiles(path.join(root, 'project'), FILES);
  bucket = await createTestBucket('tls-endpoint');
  front = await startTlsFront(path.join(root, 'ca'), getS3Env().endpoint);
  certificate = front.certificate;
  secureEndpoint = front.endpoint;
});

afterAll(async () => {
  front?.close();
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

async function uploadTo(
  endpoint: string,
  projectKey: string,
  options: {
    configDir?: string;
    config?: Record<string, unknown>;
    flags?: string[];
    env?: Record<string, string>;
  } = {},
): Promise<CliResult> {
  const configDir = options.configDir ?? (await makeTempDir('tls-config'));
  const configPath = await writeConfig(configDir, {
    bucket,
    ...testServerConfig(),
    endpoint_url: endpoint,
    ...options.config,
  });
  await chmod(configPath, 0o600);
  const args = ['--config', configPath, '--folder', path.join(root, 'project'), '--project-key', projectKey];
  return runCli([...args, '--state-dir', path.join(root, 'state'), '-q', ...(options.flags ?? [])], {
    env: { AWS_CA_BUNDLE: undefined, NODE_EXTRA_CA_CERTS: undefined, ...options.env },
    timeoutMs: 60_000,
  });
}

async function keysUnder(projectKey: string): Promise<string[]> {
  return (await listAllObjects(bucket, `${projectKey}/`)).map((object) => object.key).sort();
}

describe('an HTTPS endpoint signed by a CA of its own', () => {
  it('is refused with one line that names the setting to trust it, and nothing is sent', async () => {
    const result = await uploadTo(secureEndpoint, 'UNTRUSTED');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^upload-to-s3: open bucket \S+: .*\(DEPTH_ZERO_SELF_SIGNED_CERT\); .*ca_bundle \/ --ca-bundle \/ AWS_CA_BUNDLE$/,
      ),
    ]);
    expect(await keysUnder('UNTRUSTED')).toEqual([]);
  });

  it('is trusted with --ca-bundle; a rerun trusts it through AWS_CA_BUNDLE and sends nothing', async () => {
    const first = await uploadTo(secureEndpoint, 'FLAG', { flags: ['--ca-bundle', certificate] });
    expect(first.code, first.stderr).toBe(0);
    expect(await keysUnder('FLAG')).toEqual(['FLAG/config/survey.yaml', 'FLAG/logs/run.log']);
    const rerun = await uploadTo(secureEndpoint, 'FLAG', { env: { AWS_CA_BUNDLE: certificate } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^total\s+0 \(0 B\)\s+2 \(/m);
  });

  it('is trusted with ca_bundle in the config, a path relative to the config file', async () => {
    const result = await uploadTo(secureEndpoint, 'CONFIG', {
      configDir: root,
      config: { ca_bundle: path.relative(root, certificate) },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await keysUnder('CONFIG')).toHaveLength(2);
  });

  it('names a bundle that holds no certificate', async () => {
    const notPem = path.join(root, 'project', 'config', 'survey.yaml');
    const result = await uploadTo(secureEndpoint, 'NOTPEM', { flags: ['--ca-bundle', notPem] });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^upload-to-s3: --ca-bundle: '.*survey\.yaml' holds no PEM certificate/,
    );
  });
});

describe('https:// to a port that speaks plain HTTP', () => {
  it('is named as the wrong scheme or port, not in OpenSSL words, and exits 2 at once', async () => {
    const plain = new URL(getS3Env().endpoint);
    const result = await uploadTo(`https://${plain.host}`, 'WRONGSCHEME');
    expect(result.code, result.stderr).toBe(2);
    const line = result.stderr.trim();
    expect(line).toMatch(/^upload-to-s3: open bucket \S+: TLS failed: wrong version number \(EPROTO\); /);
    expect(line).toContain('use http:// in endpoint_url / --endpoint');
    expect(line).not.toMatch(/openssl|\.c:\d+/i);
  });
});

describe('http:// to a port that speaks HTTPS', () => {
  it('is named with the https:// URL to use, instead of retried as a server that hangs up', async () => {
    const secure = new URL(secureEndpoint);
    const result = await uploadTo(`http://${secure.host}`, 'WRONGSCHEME2');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim()).toBe(
      `upload-to-s3: connect to endpoint http://${secure.host}: the port speaks HTTPS, not plain HTTP; use https://${secure.host} in endpoint_url / --endpoint`,
    );
    expect(await keysUnder('WRONGSCHEME2')).toEqual([]);
  });

  it('is named so too when the port answers the plain request with 400, as Go servers do', async () => {
    const goStyle = await startHttpsOnlyFront(Number(new URL(secureEndpoint).port));
    try {
      const host = `127.0.0.1:${goStyle.port}`;
      const result = await uploadTo(`http://${host}`, 'WRONGSCHEME3');
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toBe(
        `upload-to-s3: connect to endpoint http://${host}: the port speaks HTTPS, not plain HTTP; use https://${host} in endpoint_url / --endpoint`,
      );
      expect(await keysUnder('WRONGSCHEME3')).toEqual([]);
    } finally {
      goStyle.close();
    }
  });
});
