import type { Command } from 'commander';
import { parseSeconds } from '../config/parse-values.js';
import { connectStore } from '../remote/connect.js';
import { JournalStore } from '../transfer/upload-journal.js';
import { resolveConnectOptions, withConnectFlags, type ConnectFlags } from './connect-from-flags.js';

/**
 * `upload-to-s3 cleanup --project-key K`: lists the multipart uploads left open under the
 * project's prefix and aborts those older than --older-than (their parts cost storage), with
 * their resume journals.
 */
export function registerCleanupCommand(program: Command): void {
  withConnectFlags(program.command('cleanup'))
    .description("list and abort stale multipart uploads under the project's prefix")
    .requiredOption('-p, --project-key <key>', 'project code, e.g. RMI25320')
    .option(
      '--older-than <duration>',
      'only uploads started at least this long ago (e.g. 24h, 0 for all)',
      '24h',
    )
    .option('-n, --dry-run', 'list only, abort nothing')
    .action(async (flags: ConnectFlags & { olderThan: string; dryRun?: boolean }) => {
      const { options, log } = await resolveConnectOptions(flags);
      const store = await connectStore(options, log, new AbortController().signal);
      try {
        const prefix = `${options.prefix}${options.projectKey}/`;
        const cutoffMs = Date.now() - parseSeconds(flags.olderThan, '--older-than') * 1000;
        const uploads = await store.listMultipartUploads(options.bucket, prefix);
        const stale = uploads.filter((u) => u.initiatedMs <= cutoffMs);
        const journals = new JournalStore(options.stateDir, options.endpoint ?? `aws:${options.region}`);
        for (const upload of stale) {
          process.stdout.write(
            `${flags.dryRun ? 'would abort' : 'aborting'} ${upload.key} (upload ${upload.uploadId}, started ${new Date(upload.initiatedMs).toISOString()})\n`,
          );
          if (flags.dryRun) continue;
          await store.abortMultipartUpload(options.bucket, upload.key, upload.uploadId);
          const journal = await journals.load(options.bucket, upload.key);
          if (journal?.uploadId === upload.uploadId) await journals.remove(options.bucket, upload.key);
        }
        process.stdout.write(
          `${uploads.length} open upload(s) under s3://${options.bucket}/${prefix}; ${stale.length} ${flags.dryRun ? 'stale' : 'aborted'}\n`,
        );
      } finally {
        store.destroy();
      }
    });
}
