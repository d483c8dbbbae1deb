import { parseSeconds } from '../config/parse-values.js';
import { ConfigError, quoteValue } from '../errors.js';
import { readStatusRecord, renderStatusFile, watchStatusFile } from '../status/status-command.js';

/** A shorter interval would re-read the file in a busy loop. */
const MIN_INTERVAL_MS = 100;

export interface StatusFlags {
  watch?: boolean;
  interval: string;
  json?: boolean;
}

/** Prints the status file once, as text or JSON, or follows it with --watch; sets the exit code it implies. */
export async function showStatus(file: string, flags: StatusFlags): Promise<void> {
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
}
