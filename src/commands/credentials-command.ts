import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import type * as KeyringStore from '../auth/keyring-store.js';
import { maskAccessKeyId } from '../auth/mask-key-id.js';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log/redact.js';
import { connectStore } from '../remote/connect.js';
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
    .action(async (flags: { service: string; accessKeyId?: string }) => {
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
    .action(async (flags: { service: string }) => {
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
    .action(async (flags: { service: string }) => {
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
