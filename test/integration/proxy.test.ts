/**
 * A network that reaches the store only through a forward proxy, as an office or a CI runner behind one: the
 * uploader tunnels through the proxy the environment names (`HTTP_PROXY` / `https_proxy`, as the AWS CLI reads
 * them) with HTTP CONNECT, TLS inside the tunnel for HTTPS, and goes direct to the hosts NO_PROXY names. A proxy
 * that wants a password it was not given stops the run at once (exit 2), naming the proxy, never the password.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAllObjects } from '../support/bucket.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';
import { startTlsFront, type TlsFront } from '../support/tls-front.js';
import { deleteBucket } from './transfer-harness.js';

const FILES = { 'config/survey.yaml': 'crew: 2\n', 'logs/run.log': 'started\n' };
const PASSWORD = 'proxy-Pa55word-in-the-url';

let root: string;
let bucket: string;
let open: ConnectProxy;
let guarded: ConnectProxy;
let front: TlsFront;
let proxyFront: TlsFront;
let plainTarget: string;

beforeAll(async () => {
  root = await makeTempDir('proxy');
  await writeFiles(path.join(root, 'project'), FILES);
  bucket = await createTestBucket('proxy');
  open = await startConnectProxy();
  guarded = await startConnectProxy({ user: 'survey', password: PASSWORD });
  front = await startTlsFront(path.join(root, 'ca'), getS3Env().endpoint);
  // an https:// proxy: TLS to the proxy itself, ended here with a certificate of its own
  proxyFront = await startTlsFront(path.join(root, 'proxy-ca'), open.url);
  plainTarget = new URL(getS3Env().endpoint).host;
});

afterAll(async () => {
  front?.close();
  proxyFront?.close();
  await Promise.all([open?.close(), guarded?.close()]);
  await deleteBucket(bucket).catch(() => {});
  await removeTempDirs();
});

async function upload(
  projectKey: string,
  env: Record<string, string>,
  endpoint = getS3Env().endpoint,
  ...flags: string[]
): Promise<CliResult> {
  const configPath = await writeConfig(await makeTempDir('proxy-config'), {
    bucket,
    ...testServerConfig(),
    endpoint_url: endpoint,
  });
  await chmod(configPath, 0o600);
  const stateDir = path.join(root, 'state');
  const args = ['--config', configPath, '--folder', path.join(root, 'project'), '--project-key', projectKey];
  return runCli([...args, '--state-dir', stateDir, '-q', ...flags], {
    env: { AWS_CA_BUNDLE: undefined, ...env },
    timeoutMs: 60_000,
  });
}

async function keysUnder(projectKey: string): Promise<string[]> {
  return (await listAllObjects(bucket, `${projectKey}/`)).map((object) => object.key).sort();
}

describe('a store reached through a forward proxy', () => {
  it('gets every request of an upload and of its rerun through the HTTP_PROXY tunnel', async () => {
    const before = open.connects().length;
    const first = await upload('VIA', { HTTP_PROXY: open.url });
    expect(first.code, first.stderr).toBe(0);
    expect(await keysUnder('VIA')).toEqual(['VIA/config/survey.yaml', 'VIA/logs/run.log']);
    const rerun = await upload('VIA', { http_proxy: open.url });
    expect(rerun.code, rerun.stderr).toBe(0);
    const tunnels = open.connects().slice(before);
    expect(tunnels.length).toBeGreaterThanOrEqual(2);
    expect(tunnels.every((entry) => entry.target === plainTarget && entry.status === 200)).toBe(true);
  });

  it('goes straight to a host NO_PROXY names', async () => {
    const before = open.connects().length;
    const result = await upload('DIRECT', { HTTP_PROXY: open.url, NO_PROXY: 'localhost,127.0.0.0/8' });
    expect(result.code, result.stderr).toBe(0);
    expect(await keysUnder('DIRECT')).toHaveLength(2);
    expect(open.connects().slice(before)).toEqual([]);
  });

  it('reaches an HTTPS store through the https_proxy tunnel, with its CA trusted', async () => {
    const before = open.connects().length;
    const result = await upload(
      'SECURE',
      { https_proxy: open.url },
      front.endpoint,
      '--ca-bundle',
      front.certificate,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await keysUnder('SECURE')).toHaveLength(2);
    const frontTarget = new URL(front.endpoint).host;
    expect(open.connects().slice(before)).toContainEqual({ target: frontTarget, status: 200 });
  });

  it('speaks TLS to an https:// proxy, trusting its certificate by --ca-bundle, and names the proxy when it is not trusted', async () => {
    const before = open.connects().length;
    const trusted = await upload(
      'TLSPROXY',
      { HTTP_PROXY: proxyFront.endpoint },
      undefined,
      '--ca-bundle',
      proxyFront.certificate,
    );
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(await keysUnder('TLSPROXY')).toHaveLength(2);
    expect(open.connects().slice(before)).toContainEqual({ target: plainTarget, status: 200 });

    const untrusted = await upload('TLSPROXY2', { HTTP_PROXY: proxyFront.endpoint });
    expect(untrusted.code, untrusted.stderr).toBe(2);
    expect(untrusted.stderr).toContain(`proxy ${proxyFront.endpoint} (HTTP_PROXY): `);
    expect(untrusted.stderr).toContain(
      "the proxy's certificate is not signed by a CA this machine trusts; give your CA's certificate (PEM) with ca_bundle",
    );
    expect(await keysUnder('TLSPROXY2')).toEqual([]);
  });

  it('says to write http:// when an https:// proxy URL names a proxy that speaks plain HTTP (exit 2)', async () => {
    const tlsUrl = open.url.replace(/^http:/, 'https:');
    const result = await upload('PLAINPROXY', { HTTP_PROXY: tlsUrl });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim()).toMatch(
      new RegExp(
        `^upload-to-s3: open bucket \\S+: TLS to proxy ${tlsUrl} \\(HTTP_PROXY\\) failed: .*; the proxy speaks plain HTTP there; write HTTP_PROXY with http://`,
      ),
    );
    expect(result.stderr).not.toContain('endpoint_url');
    expect(await keysUnder('PLAINPROXY')).toEqual([]);
  });

  it('stops at once (exit 2) when the proxy wants a password, naming the proxy and what to set', async () => {
    const result = await upload('NOAUTH', { HTTP_PROXY: guarded.url });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim()).toMatch(
      new RegExp(
        `^upload-to-s3: open bucket \\S+: proxy ${guarded.url} \\(HTTP_PROXY\\): answered CONNECT \\S+ with HTTP 407 .*\\(ProxyAuthenticationRequired\\); .*NO_PROXY$`,
      ),
    );
    expect(await keysUnder('NOAUTH')).toEqual([]);
  });

  it('sends the user and password of the proxy URL, and writes the password nowhere', async () => {
    const withPassword = guarded.url.replace('//', `//survey:${encodeURIComponent(PASSWORD)}@`);
    const result = await upload('AUTH', { HTTP_PROXY: withPassword }, undefined, '--debug');
    expect(result.code, result.stderr).toBe(0);
    expect(await keysUnder('AUTH')).toHaveLength(2);
    expect(guarded.connects().filter((entry) => entry.status === 200).length).toBeGreaterThan(0);
    const refused = await upload('AUTH2', { HTTP_PROXY: withPassword.replace(PASSWORD, 'not-the-Pa55word') });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing the user and password given');
    const runDir = path.join(root, 'state', 'runs', bucket, 'AUTH');
    const written = [
      result.stdout,
      result.stderr,
      refused.stderr,
      await readFile(path.join(runDir, 'status.json'), 'utf8'),
      await readFile(path.join(runDir, 'upload-log.csv'), 'utf8'),
    ].join('\n');
    expect(written).not.toContain(PASSWORD);
    expect(refused.stderr).not.toContain('not-the-Pa55word');
  });

  it.each([
    ['STS for an assumed role', 'ROLE', 'sts'],
    ['SSO for the keys of a signed-in role', 'SSO', 'sso'],
  ] as const)(
    'asks %s through the proxy too, then uploads with its keys',
    async (_what, projectKey, service) => {
      const stub = await startCredentialStub(service);
      try {
        const before = open.connects().length;
        const result = await uploadWithProfile(projectKey, service, stub.url, { HTTP_PROXY: open.url });
        expect(result.code, result.stderr).toBe(0);
        expect(stub.calls()).toBeGreaterThan(0);
        const targets = open
          .connects()
          .slice(before)
          .map((entry) => entry.target);
        expect(targets[0]).toBe(new URL(stub.url).host);
        expect(targets).toContain(plainTarget);
        expect(await keysUnder(projectKey)).toHaveLength(2);
      } finally {
        await stub.close();
      }
    },
  );
});

describe('an assumed role STS refuses', () => {
  it("is named as the profile's role, not as the bucket refusing the keys (exit 2)", async () => {
    const stub = await startCredentialStub('sts', 403);
    try {
      const result = await uploadWithProfile('DENIED', 'sts', stub.url, {});
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toMatch(
        /^upload-to-s3: credentials from profile uploader: .*not authorized to perform: sts:AssumeRole \(AccessDenied\); .*role_arn/,
      );
      expect(result.stderr).not.toContain('may write to the bucket');
      expect(await keysUnder('DENIED')).toEqual([]);
    } finally {
      await stub.close();
    }
  });
});

const SSO_START_URL = 'https://field-crews.awsapps.com/start';

/**
 * The AWS files of a profile `uploader` that gets its keys from `service`: a role assumed with the test keys
 * (`sts`), or an SSO role whose sign-in is cached under the fake home folder (`sso`).
 */
async function writeAwsFiles(home: string, service: 'sts' | 'sso'): Promise<void> {
  const s3 = getS3Env();
  const awsDir = path.join(home, '.aws');
  const profile =
    service === 'sts'
      ? 'role_arn = arn:aws:iam::123456789012:role/uploader\nsource_profile = base\n'
      : `sso_start_url = ${SSO_START_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = uploader\n`;
  await writeFiles(awsDir, {
    config: `[profile base]\nregion = us-east-1\n[profile uploader]\n${profile}region = us-east-1\n`,
    credentials: `[base]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    [`sso/cache/${createHash('sha1').update(SSO_START_URL).digest('hex')}.json`]: JSON.stringify({
      accessToken: 'signed-in',
      expiresAt: '2099-01-01T00:00:00Z',
      region: 'us-east-1',
      startUrl: SSO_START_URL,
    }),
  });
}

/** An upload with `auth_mode: profile` whose profile gets its keys from `service`, answered at `serviceUrl`. */
async function uploadWithProfile(
  projectKey: string,
  service: 'sts' | 'sso',
  serviceUrl: string,
  env: Record<string, string>,
): Promise<CliResult> {
  const s3 = getS3Env();
  const home = await makeTempDir('proxy-home');
  await writeAwsFiles(home, service);
  const configPath = await writeConfig(await makeTempDir('proxy-config'), {
    bucket,
    endpoint_url: s3.endpoint,
    region: s3.region,
    force_path_style: true,
    auth_mode: 'profile',
    profile: 'uploader',
  });
  const args = ['--config', configPath, '--folder', path.join(root, 'project'), '--project-key', projectKey];
  return runCli([...args, '--state-dir', path.join(root, 'state'), '-q'], {
    env: {
      ...env,
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws', 'credentials'),
      [`AWS_ENDPOINT_URL_${service.toUpperCase()}`]: serviceUrl,
      AWS_PROFILE: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
    },
    timeoutMs: 60_000,
  });
}

/**
 * STS as far as AssumeRole goes, or SSO as far as GetRoleCredentials: each answers with the test user's own keys
 * (the test server does not check a session token), so the upload works only when the service was asked and its
 * answer used; STS given 403 refuses as it refuses a role the caller may not assume.
 */
async function startCredentialStub(
  service: 'sts' | 'sso',
  status = 200,
): Promise<{ url: string; calls(): number; close(): Promise<void> }> {
  const { accessKeyId, secretAccessKey } = getS3Env();
  let calls = 0;
  const server = createServer((request, response) => {
    calls += 1;
    request.resume();
    if (service === 'sso') {
      response.writeHead(status, { 'content-type': 'application/json' });
      const roleCredentials = {
        accessKeyId,
        secretAccessKey,
        sessionToken: 'sso',
        expiration: 4102444800000,
      };
      response.end(JSON.stringify({ roleCredentials }));
      return;
    }
    response.writeHead(status, { 'content-type': 'text/xml' });
    if (status !== 200) {
      response.end(
        '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:' +
          'user/field is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>',
      );
      return;
    }
    response.end(
      '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
        `<AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey>` +
        '<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>' +
        '<Arn>arn:aws:sts::123456789012:assumed-role/uploader/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>' +
        '</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
