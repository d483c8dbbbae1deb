import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import type * as KeyringStore from '../auth/keyring-store.js';
import { maskAccessKeyId } from '../auth/mask-key-id.js';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import { connectStore } from '../remote/connect.js';
import { customerKeyFrom } from '../remote/object-settings.js';
import { readSecretLine } from './read-secret.js';
import { resolveConnectOptions, withConnectFlags, type ConnectFlags } from './connect-from-flags.js';

// the same default as an upload's keyring_service, so `credentials set` fills the entry an upload reads
const DEFAULT_SERVICE = process.env.UPLOAD_TO_S3_KEYRING_SERVICE || 'upload-to-s3';

/** `upload-to-s3 credentials set|show|delete|test`: the OS keyring entry and a live check. */
export function registerCredentialsCommand(program: Command): void {
  const credentials = program
    .command('credentials')
    .description('manage the access key kept in the OS keyring, and test access');
  credentials
    .command('set')
    .description(
      'store an access key pair in the OS keyring (the secret is read from a hidden prompt or stdin)',
    )
    .option('--service <name>', 'keyring service name (keyring_service in the config)', DEFAULT_SERVICE)
    .option('--access-key-id <id>', 'the access key id (asked for when missing)')
    .option(
      '--sse-c-key',
      'store an SSE-C key instead: its base64 (44 characters), from a hidden prompt or stdin',
    )
    .action(async (flags: { service: string; accessKeyId?: string; sseCKey?: boolean }) => {
      if (flags.sseCKey) return setCustomerKey(flags.service);
      const accessKeyId = flags.accessKeyId ?? (await readSecretLine('Access key id: ', false));
      const secretAccessKey = await readSecretLine('Secret access key (not shown): ', true);
      registerSecret(secretAccessKey);
      if (!accessKeyId || !secretAccessKey) {
        throw new ConfigError(
          'credentials set: an access key id and a secret are both needed; pipe the secret on stdin or type it at the prompt',
        );
      }
      const { writeKeyringCredentials } = await keyringStore();
      writeKeyringCredentials(flags.service, { accessKeyId, secretAccessKey });
      process.stdout.write(
        `stored access key ${maskAccessKeyId(accessKeyId)} for service '${flags.service}'\n`,
      );
    });
  credentials
    .command('show')
    .description('show which access key is stored (never the secret)')
    .option('--service <name>', 'keyring service name', DEFAULT_SERVICE)
    .option('--sse-c-key', 'show whether an SSE-C key is stored, by its MD5 (never the key)')
    .action(async (flags: { service: string; sseCKey?: boolean }) => {
      if (flags.sseCKey) return showCustomerKey(flags.service);
      const { readKeyringCredentials } = await keyringStore();
      const stored = readKeyringCredentials(flags.service);
      process.stdout.write(
        `service '${flags.service}': access key ${maskAccessKeyId(stored.accessKeyId)}, secret stored (${stored.secretAccessKey.length} characters)\n`,
      );
    });
  credentials
    .command('delete')
    .description('delete the stored access key pair')
    .option('--service <name>', 'keyring service name', DEFAULT_SERVICE)
    .option(
      '--sse-c-key',
      'delete the stored SSE-C key instead (objects encrypted with it cannot be read without it)',
    )
    .action(async (flags: { service: string; sseCKey?: boolean }) => {
      if (flags.sseCKey) return deleteCustomerKey(flags.service);
      const { deleteKeyringCredentials } = await keyringStore();
      const deleted = deleteKeyringCredentials(flags.service);
      process.stdout.write(
        deleted
          ? `deleted the credentials of service '${flags.service}'\n`
          : `no credentials stored for service '${flags.service}'\n`,
      );
    });
  withConnectFlags(credentials.command('test'))
    .description('check that the configured credentials reach the bucket and may write to it')
    .option('-p, --project-key <key>', 'project whose prefix is probed')
    .action(testCredentials);
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

async function testCredentials(flags: ConnectFlags): Promise<void> {
  const { options, log } = await resolveConnectOptions(flags);
  const store = await connectStore(options, log, new AbortController().signal);
  try {
    process.stdout.write(`auth mode ${options.auth.mode}: bucket ${options.bucket} is reachable\n`);
    const key = `${options.prefix}${flags.projectKey ? `${flags.projectKey}/` : ''}.upload-to-s3-write-probe`;
    const body = Buffer.from(`probe ${new Date().toISOString()}\n`);
    const sha256Hex = createHash('sha256').update(body).digest('hex');
    await store.putObject(
      { bucket: options.bucket, key, contentType: 'text/plain', metadata: {} },
      { stream: Readable.from([body]), lengthBytes: body.length, sha256Hex },
    );
    await store.deleteObject(options.bucket, key);
    process.stdout.write(`write access confirmed (wrote and deleted s3://${options.bucket}/${key})\n`);
  } finally {
    store.destroy();
  }
}
