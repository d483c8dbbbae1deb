import { statSync } from 'node:fs';
import type { Agent } from 'node:http';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { AuthSettings } from '../config/run-options.js';
import { AuthError } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import { errorCode } from '../remote/classify-error.js';

/**
 * Turns the auth settings into the client's credentials:
 * `config` uses the keys from the YAML, `instance` the SDK's default chain (environment, shared
 * files and SSO, container and instance metadata), `profile` a named profile, `keyring` the OS
 * credential store. Every secret is registered for redaction before it is used. The providers and the keyring's
 * native module are loaded only for the mode that needs them (together about 0.1 s of start-up).
 * @throws AuthError when the keyring cannot be read.
 */
export async function resolveCredentials(
  auth: AuthSettings,
  agents?: { http: Agent; https: Agent },
): Promise<S3ClientConfig['credentials']> {
  // STS (assumed roles) and SSO are asked through the run's agents: its proxy and its trusted CAs
  const clientConfig = agents
    ? { clientConfig: { requestHandler: { httpAgent: agents.http, httpsAgent: agents.https } } }
    : {};
  switch (auth.mode) {
    case 'config':
      registerSecret(auth.secretAccessKey);
      registerSecret(auth.sessionToken);
      return {
        accessKeyId: auth.accessKeyId ?? '',
        secretAccessKey: auth.secretAccessKey ?? '',
        ...(auth.sessionToken ? { sessionToken: auth.sessionToken } : {}),
      };
    case 'profile': {
      const { fromIni } = await import('@aws-sdk/credential-providers');
      const profile = auth.profile ?? 'default';
      return explainFailures(fromIni({ profile, ...clientConfig }), `profile ${profile}`, PROFILE_HINT);
    }
    case 'keyring': {
      const { readKeyringCredentials } = await import('./keyring-store.js');
      const stored = readKeyringCredentials(auth.keyringService);
      registerSecret(stored.secretAccessKey);
      return stored;
    }
    case 'instance': {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      return explainFailures(fromNodeProviderChain(clientConfig), 'the AWS default chain', CHAIN_HINT);
    }
  }
}

/**
 * The keys the AWS default chain (`instance`) would take from the environment, when it takes them from there:
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN`) and no `AWS_PROFILE`, which the SDK's
 * chain prefers to them. Undefined otherwise, and for keys that say when they expire: those the SDK judges. The
 * secrets are registered for redaction.
 */
export function keysFromEnvironment(
  env: NodeJS.ProcessEnv,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!accessKeyId || !secretAccessKey || env.AWS_PROFILE || env.AWS_CREDENTIAL_EXPIRATION) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * The provider with its failures said as ours: where the credentials were looked for, the SDK's reason and what to
 * do. An assumed role refused by STS is an AccessDenied like S3's, and was read as the bucket refusing the keys.
 */
function explainFailures<T, A extends unknown[]>(
  provider: (...args: A) => Promise<T>,
  source: string,
  fallbackHint: string,
): (...args: A) => Promise<T> {
  // the SDK passes the calling client's settings on, which its own STS client inherits (SSO's does not)
  return async (...args: A) => {
    try {
      return await provider(...args);
    } catch (error) {
      const code = errorCode(error);
      const reason = (error as Error)?.message?.split('\n')[0]?.trim() || 'no credentials';
      const hint = CREDENTIAL_HINTS.get(code) ?? fallbackHint;
      throw new AuthError(`credentials from ${source}: ${reason}${code ? ` (${code})` : ''}; ${hint}`, {
        cause: error,
      });
    }
  };
}

const EXPIRED = 'the session has expired; refresh it (aws sso login, or new keys) and run again';

const CREDENTIAL_HINTS = new Map([
  [
    'AccessDenied',
    "STS refused to let the source credentials assume the profile's role; check role_arn, and that they may call sts:AssumeRole on it",
  ],
  ['ExpiredToken', EXPIRED],
  ['ExpiredTokenException', EXPIRED],
]);

const PROFILE_HINT =
  'check the profile with aws configure list --profile NAME, or set auth_mode and keys in the config';

/** No config says how to sign in (auth_mode instance, the default): every way there is, the keyring's included. */
const CHAIN_HINT =
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or in the config set auth_mode config with keys, or auth_mode keyring after upload-to-s3 credentials set';

/**
 * True when a config file holding keys can be read by its group or by other users (POSIX permission
 * bits only; always false on Windows, whose ACLs are not checked, and for a file that cannot be stat'ed).
 */
export function isReadableByOthers(configPath: string, platform = process.platform): boolean {
  if (platform === 'win32') return false;
  try {
    return (statSync(configPath).mode & 0o044) !== 0;
  } catch {
    return false;
  }
}
