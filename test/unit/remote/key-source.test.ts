import { describe, expect, it } from 'vitest';
import { toUploadError } from '../../../src/remote/classify-error.js';
import { namingKeySource } from '../../../src/remote/key-source.js';
import type { RunOptions } from '../../../src/config/run-options.js';

const refused = (code: string) =>
  Object.assign(new Error('access denied'), {
    name: code,
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
  });

function auth(mode: RunOptions['auth']['mode'], extra: Partial<RunOptions['auth']> = {}): RunOptions['auth'] {
  return { mode, keyringService: 'upload-to-s3', ...extra };
}

describe('namingKeySource', () => {
  it.each([
    [
      auth('config'),
      'check aws_access_key_id and aws_secret_access_key in /cfg/c.yaml, which auth_mode config reads before any AWS_* variable',
    ],
    [auth('profile', { profile: 'field' }), 'check the keys of profile field (AWS_SHARED_CREDENTIALS_FILE'],
    [auth('keyring'), 'check the keyring entry of service upload-to-s3 (upload-to-s3 credentials set'],
    [auth('instance'), 'check what the AWS default chain found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'],
  ])('names where the %o run took its keys from', (runAuth, expected) => {
    const error = toUploadError(refused('SignatureDoesNotMatch'), 'open bucket', 'b');

    const named = namingKeySource(error, { auth: runAuth, configPath: '/cfg/c.yaml' });

    expect(named.message).toContain(`the secret key is wrong for this access key; ${expected}`);
    expect(named.message).not.toContain('where auth_mode takes it from');
    expect(named.constructor.name).toBe('AuthError');
  });

  it('leaves any other error as it is', () => {
    const error = toUploadError(refused('AccessDenied'), 'open bucket', 'b');
    expect(namingKeySource(error, { auth: auth('config'), configPath: undefined })).toBe(error);
  });
});

describe('an SSE-KMS key id the server does not know (Ceph RGW answers InvalidAccessKeyId)', () => {
  it('names sse_kms_key_id, not the access key', () => {
    const error = Object.assign(new Error('Failed to retrieve the actual key, kms-keyid: nosuchkey'), {
      name: 'InvalidAccessKeyId',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });

    const message = namingKeySource(toUploadError(error, 'upload', 'P/a.mp4'), {
      auth: auth('config'),
      configPath: '/cfg/c.yaml',
    }).message;

    expect(message).toContain('the server knows no such KMS key; fix sse_kms_key_id / --sse-kms-key-id');
    expect(message).not.toContain('aws_access_key_id');
  });
});
