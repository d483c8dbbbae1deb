import type { Command } from 'commander';
import type { CleanupFlags } from './cleanup-action.js';
import { withConnectFlags } from './connect-flags.js';

/**
 * `upload-to-s3 cleanup --project-key K`: lists the multipart uploads left open under the
 * project's prefix and aborts those older than --older-than (their parts cost storage), with
 * their resume journals. It takes the project's lock first, as an upload does, so it never aborts
 * the uploads of a run in progress: while one runs it exits 3. A server that cannot list multipart uploads leaves it
 * the uploads this machine's journals name; one that refuses a request it needs ends it with exit 2, after what it
 * could do.
 */
export function registerCleanupCommand(program: Command): void {
  withConnectFlags(program.command('cleanup'))
    .description("list and abort stale multipart uploads under the project's prefix")
    .requiredOption('-p, --project-key <key>', 'project code, e.g. RMI25320')
    .option(
      '--older-than <duration>',
      'only uploads started at least this long ago (e.g. 24h, 7d, 0 for all)',
      '24h',
    )
    .option('-n, --dry-run', 'list only, abort nothing')
    .option(
      '--state-dir <folder>',
      "the uploads' state folder (resume journals, locks); 'machine' for the shared one",
    )
    .option('--bucket-lock', 'also take the lock object in the bucket, as uploads with --bucket-lock do')
    .option('--json', 'print one JSON object per upload and a last summary object')
    .action(async (flags: CleanupFlags) => {
      const { cleanup } = await import('../actions.js');
      await cleanup(flags);
    });
}
