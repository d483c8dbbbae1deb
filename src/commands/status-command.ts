import type { Command } from 'commander';
import { parseSeconds } from '../config/parse-values.js';
import { ConfigError, quoteValue } from '../errors.js';
import { readStatusRecord, renderStatusFile, watchStatusFile } from '../status/status-command.js';

/** A shorter interval would re-read the file in a busy loop. */
const MIN_INTERVAL_MS = 100;

/** `upload-to-s3 status <status.json> [--watch]`: shows a status file written by another run. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show the status file of a running or finished upload')
    .argument('<status-json>', 'the status file (--status-json of that run)')
    .option('-w, --watch', 'keep showing it until the run ends (Ctrl+C to stop watching)')
    .option('--interval <seconds>', 'refresh interval with --watch', '2')
    .option('--json', 'print the status as one JSON object per line (one per change with --watch)')
    .action(async (file: string, flags: { watch?: boolean; interval: string; json?: boolean }) => {
      if (!flags.watch && flags.json) {
        const { record, exitCode } = await readStatusRecord(file);
        process.stdout.write(`${JSON.stringify(record)}\n`);
        process.exitCode = exitCode;
        return;
      }
      if (!flags.watch) {
        const { text, exitCode } = await renderStatusFile(file);
        process.stdout.write(`${text}\n`);
        process.exitCode = exitCode;
        return;
      }
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      const intervalMs = parseSeconds(flags.interval, '--interval') * 1000;
      if (intervalMs < MIN_INTERVAL_MS)
        throw new ConfigError(
          `--interval ${quoteValue(flags.interval)}: too short to watch a file; use at least 0.1 (seconds)`,
        );
      process.exitCode = await watchStatusFile(file, {
        intervalMs,
        stream: process.stdout,
        signal: controller.signal,
        json: flags.json ?? false,
      });
    });
}
