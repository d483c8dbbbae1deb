import type { RunOptions } from '../config/run-options.js';
import { AuthError, type UploadError } from '../errors.js';

/** The hint of a refused key (classify-error.ts) names every place an auth mode could take it from. */
const ANY_KEY_SOURCE = /check where auth_mode takes it from: .*?the keyring entry/;

/**
 * A refused access key or secret named where this run took it from: under `auth_mode config` the config's keys win
 * over the `AWS_*` variables, so pointing at those would send the user to the wrong place.
 */
export function namingKeySource(
  error: UploadError,
  options: Pick<RunOptions, 'auth' | 'configPath'>,
): UploadError {
  if (!(error instanceof AuthError) || !ANY_KEY_SOURCE.test(error.message)) return error;
  return new AuthError(error.message.replace(ANY_KEY_SOURCE, `check ${keySource(options)}`), {
    cause: error.cause,
  });
}

function keySource({ auth, configPath }: Pick<RunOptions, 'auth' | 'configPath'>): string {
  switch (auth.mode) {
    case 'config':
      return `aws_access_key_id and aws_secret_access_key in ${configPath ?? 'the config'}, which auth_mode config reads before any AWS_* variable`;
    case 'profile':
      return `the keys of profile ${auth.profile ?? ''} (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)`;
    case 'keyring':
      return `the keyring entry of service ${auth.keyringService} (upload-to-s3 credentials set --service ${auth.keyringService})`;
    default:
      return 'what the AWS default chain found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, the instance role)';
  }
}
