import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type * as KeyringStore from '../auth/keyring-store.js';
import { maskAccessKeyId } from '../auth/mask-key-id.js';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import { toUploadError } from '../remote/classify-error.js';
import { connectStore } from '../remote/connect.js';
import { customerKeyFrom } from '../remote/object-settings.js';
import { readSecretLine } from './read-secret.js';
import type { ConnectFlags } from './connect-flags.js';
import { resolveConnectOptions } from './connect-from-flags.js';

/** The keyring entry a subcommand works on, and whether it is the SSE-C key rather than the access key. */
export interface KeyringFlags {
  service: string;
  sseCKey?: boolean;
}

/** Stores an access key pair (or, with --sse-c-key, an SSE-C key) read from a hidden prompt or stdin. */
export async function setCredentials(flags: KeyringFlags & { accessKeyId?: string }): Promise<void> {
  if (flags.sseCKey) return setCustomerKey(flags.service);
  const accessKeyId = flags.accessKeyId ?? (await readSecretLine('Access key id: ', false));
  const secretAccessKey = await readSecretLine('Secret access key (not shown): ', true);
  registerSecret(secretAccessKey);
  if (!accessKeyId || !secretAccessKey) {
    // piped alone, a secret is read as the access key id, and the secret found missing
    const fix =
      flags.accessKeyId !== undefined
        ? 'pipe the secret on stdin or type it at the prompt'
        : 'pass --access-key-id ID and pipe only the secret on stdin, or type both at the prompts';
    throw new ConfigError(`credentials set: an access key id and a secret are both needed; ${fix}`);
  }
  const { writeKeyringCredentials } = await keyringStore();
  writeKeyringCredentials(flags.service, { accessKeyId, secretAccessKey });
  process.stdout.write(`stored access key ${maskAccessKeyId(accessKeyId)} for service '${flags.service}'\n`);
}

/** Shows which access key is stored (or the SSE-C key's MD5), never a secret. */
export async function showCredentials(flags: KeyringFlags): Promise<void> {
  if (flags.sseCKey) return showCustomerKey(flags.service);
  const { readKeyringCredentials } = await keyringStore();
  const stored = readKeyringCredentials(flags.service);
  process.stdout.write(
    `service '${flags.service}': access key ${maskAccessKeyId(stored.accessKeyId)}, secret stored (${stored.secretAccessKey.length} characters)\n`,
  );
}

/** Deletes the stored access key pair (or the SSE-C key). */
export async function deleteCredentials(flags: KeyringFlags): Promise<void> {
  if (flags.sseCKey) return deleteCustomerKey(flags.service);
  const { deleteKeyringCredentials } = await keyringStore();
  const deleted = deleteKeyringCredentials(flags.service);
  process.stdout.write(
    deleted
      ? `deleted the credentials of service '${flags.service}'\n`
      : `no credentials stored for service '${flags.service}'\n`,
  );
}

/** Reads an SSE-C key (base64 of 32 bytes) from a hidden prompt or stdin and keeps it in the keyring. */
async function setCustomerKey(service: string): Promise<void> {
  const text = await readSecretLine('SSE-C key, base64 of 32 bytes (not shown): ', true);
  registerSecret(text);
  const key = /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== 32) {
    throw new ConfigError(
      'credentials set --sse-c-key: that is not an SSE-C key; give the base64 of 32 bytes (44 characters), e.g. from `openssl rand -base64 32`',
    );
  }
  const { writeKeyringCustomerKey } = await keyringStore();
  writeKeyringCustomerKey(service, key);
  const { keyMd5Base64 } = customerKeyFrom(key);
  process.stdout.write(`stored the SSE-C key with MD5 ${keyMd5Base64} for service '${service}'\n`);
}

async function showCustomerKey(service: string): Promise<void> {
  const { readKeyringCustomerKey } = await keyringStore();
  const { keyMd5Base64 } = customerKeyFrom(readKeyringCustomerKey(service));
  process.stdout.write(`service '${service}': SSE-C key stored, MD5 ${keyMd5Base64}\n`);
}

async function deleteCustomerKey(service: string): Promise<void> {
  const { deleteKeyringCustomerKey } = await keyringStore();
  const deleted = deleteKeyringCustomerKey(service);
  process.stdout.write(
    deleted
      ? `deleted the SSE-C key of service '${service}'\n`
      : `no SSE-C key stored for service '${service}'\n`,
  );
}

/** The keyring's native module, loaded only by the subcommands that use it. */
function keyringStore(): Promise<typeof KeyringStore> {
  return import('../auth/keyring-store.js');
}

/** Reaches the bucket with the configured credentials, then writes and deletes a probe object. */
export async function testCredentials(flags: ConnectFlags): Promise<void> {
  const { options, log } = await resolveConnectOptions(flags);
  const store = await connectStore(options, log, new AbortController().signal);
  try {
    process.stdout.write(`auth mode ${options.auth.mode}: bucket ${options.bucket} is reachable\n`);
    const key = `${options.prefix}${flags.projectKey ? `${flags.projectKey}/` : ''}.upload-to-s3-write-probe`;
    const body = Buffer.from(`probe ${new Date().toISOString()}\n`);
    const sha256Hex = createHash('sha256').update(body).digest('hex');
    await store
      .putObject(
        { bucket: options.bucket, ...store.ownObjects.target(key, 'text/plain') },
        { stream: Readable.from([body]), lengthBytes: body.length, sha256Hex },
      )
      .catch((error: unknown) => {
        throw toUploadError(error, 'write the probe object', `s3://${options.bucket}/${key}`);
      });
    await store.ownObjects.deleteObject(options.bucket, key).catch((error: unknown) => {
      throw toUploadError(error, 'delete the probe object', `s3://${options.bucket}/${key}`);
    });
    process.stdout.write(`write access confirmed (wrote and deleted s3://${options.bucket}/${key})\n`);
  } finally {
    store.destroy();
  }
}
