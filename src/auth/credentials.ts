import { statSync } from 'node:fs';
import type { Agent } from 'node:http';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { AuthSettings } from '../config/run-options.js';
import { registerSecret } from '../log/redact.js';

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
      return fromIni({ profile: auth.profile ?? 'default', ...clientConfig });
    }
    case 'keyring': {
      const { readKeyringCredentials } = await import('./keyring-store.js');
      const stored = readKeyringCredentials(auth.keyringService);
      registerSecret(stored.secretAccessKey);
      return stored;
    }
    case 'instance': {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      return fromNodeProviderChain(clientConfig);
    }
  }
}

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
