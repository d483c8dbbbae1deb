import type { Command } from 'commander';
import type * as CredentialsAction from './credentials-action.js';
import { withConnectFlags, type ConnectFlags } from './connect-flags.js';

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
    .action(async (flags: CredentialsAction.KeyringFlags & { accessKeyId?: string }) =>
      (await credentialsAction()).setCredentials(flags),
    );
  credentials
    .command('show')
    .description('show which access key is stored (never the secret)')
    .option('--service <name>', 'keyring service name', DEFAULT_SERVICE)
    .option('--sse-c-key', 'show whether an SSE-C key is stored, by its MD5 (never the key)')
    .action(async (flags: CredentialsAction.KeyringFlags) =>
      (await credentialsAction()).showCredentials(flags),
    );
  credentials
    .command('delete')
    .description('delete the stored access key pair')
    .option('--service <name>', 'keyring service name', DEFAULT_SERVICE)
    .option(
      '--sse-c-key',
      'delete the stored SSE-C key instead (objects encrypted with it cannot be read without it)',
    )
    .action(async (flags: CredentialsAction.KeyringFlags) =>
      (await credentialsAction()).deleteCredentials(flags),
    );
  withConnectFlags(credentials.command('test'))
    .description('check that the configured credentials reach the bucket and may write to it')
    .option('-p, --project-key <key>', 'project whose prefix is probed')
    .action(async (flags: ConnectFlags) => (await credentialsAction()).testCredentials(flags));
}

/** What the subcommands do, loaded when one runs (the keyring's native module is loaded later still). */
async function credentialsAction(): Promise<typeof CredentialsAction> {
  return (await import('../actions.js')).credentialsAction;
}
