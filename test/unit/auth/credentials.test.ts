import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isReadableByOthers,
  keysFromEnvironment,
  resolveCredentials,
} from '../../../src/auth/credentials.js';
import { redact } from '../../../src/log/redact.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** A config file with exactly `mode`, whatever the umask. */
async function configWithMode(mode: number): Promise<string> {
  const file = path.join(await makeTempDir('auth-mode'), 'config.yaml');
  await writeFile(file, 'aws_secret_access_key: x\n');
  await chmod(file, mode);
  return file;
}

describe('isReadableByOthers', () => {
  it.skipIf(process.platform === 'win32')('flags a config that the group or everyone may read', async () => {
    expect(isReadableByOthers(await configWithMode(0o644))).toBe(true);
    expect(isReadableByOthers(await configWithMode(0o640))).toBe(true);
    expect(isReadableByOthers(await configWithMode(0o604))).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('accepts a config only its owner may read', async () => {
    expect(isReadableByOthers(await configWithMode(0o600))).toBe(false);
    expect(isReadableByOthers(await configWithMode(0o400))).toBe(false);
    // write or execute bits for others do not let them read the keys
    expect(isReadableByOthers(await configWithMode(0o611))).toBe(false);
  });

  it('never flags a file on Windows, whose ACLs it does not check', async () => {
    const file = path.join(await makeTempDir('auth-mode'), 'config.yaml');
    await writeFile(file, 'x');
    expect(isReadableByOthers(file, 'win32')).toBe(false);
  });

  it('does not flag a config that is not there', async () => {
    expect(isReadableByOthers(path.join(await makeTempDir('auth-mode'), 'missing.yaml'))).toBe(false);
  });
});

describe('resolveCredentials', () => {
  it('hands the config keys to the client and redacts the secret and token from then on', async () => {
    const secretAccessKey = 'unit-test-secret-0123456789abcdef';
    const sessionToken = 'unit-test-session-token-0123456789';
    const credentials = await resolveCredentials({
      mode: 'config',
      accessKeyId: 'AKIDUNITTEST0001',
      secretAccessKey,
      sessionToken,
      keyringService: 'upload-to-s3',
    });
    expect(credentials).toEqual({ accessKeyId: 'AKIDUNITTEST0001', secretAccessKey, sessionToken });
    expect(redact(`key=${secretAccessKey} token=${sessionToken}`)).toBe('key=[redacted] token=[redacted]');
  });

  it('leaves the session token out when the config has none', async () => {
    const credentials = await resolveCredentials({
      mode: 'config',
      accessKeyId: 'AKIDUNITTEST0002',
      secretAccessKey: 'unit-test-secret-2',
      keyringService: 'upload-to-s3',
    });
    expect(credentials).toEqual({ accessKeyId: 'AKIDUNITTEST0002', secretAccessKey: 'unit-test-secret-2' });
  });
});

describe('keysFromEnvironment', () => {
  const KEYS = {
    AWS_ACCESS_KEY_ID: 'AKIDENVIRONMENT00001',
    AWS_SECRET_ACCESS_KEY: 'environment-secret-0001',
  };

  it('takes the pair and a session token, and registers the secrets for redaction', () => {
    const keys = keysFromEnvironment({
      ...KEYS,
      AWS_SESSION_TOKEN: 'environment-token-0001',
      AWS_PROFILE: '',
    });
    expect(keys).toEqual({
      accessKeyId: 'AKIDENVIRONMENT00001',
      secretAccessKey: 'environment-secret-0001',
      sessionToken: 'environment-token-0001',
    });
    expect(redact('environment-secret-0001 environment-token-0001')).not.toContain('environment-');
  });

  it.each([
    ['AWS_PROFILE names a profile, which the chain prefers', { ...KEYS, AWS_PROFILE: 'field' }],
    ['the keys say when they expire', { ...KEYS, AWS_CREDENTIAL_EXPIRATION: '2026-12-06T00:00:00Z' }],
    ['the secret is missing', { AWS_ACCESS_KEY_ID: KEYS.AWS_ACCESS_KEY_ID }],
    ['the access key is empty', { ...KEYS, AWS_ACCESS_KEY_ID: '' }],
  ])('leaves them to the SDK when %s', (_why, env) => {
    expect(keysFromEnvironment(env)).toBeUndefined();
  });
});
