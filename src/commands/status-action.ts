import { parseSeconds } from '../config/parse-values.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, InterruptedError, quoteValue } from '../errors.js';
import { readStatusRecord, renderStatusFile, watchStatusFile } from '../status/status-command.js';
import type { FoundStatus } from '../status/status-discovery.js';

/** A shorter interval would re-read the file in a busy loop. */
const MIN_INTERVAL_MS = 100;

export interface StatusFlags {
  watch?: boolean;
  interval: string;
  json?: boolean;
  projectKey?: string;
  config?: string;
  stateDir?: string;
}

/**
 * Prints the status file once, as text or JSON, or follows it with --watch; sets the exit code it implies.
 * Without a path, the newest status file in the state folders is shown (of `--project-key`'s runs, if given).
 */
export async function showStatus(given: string | undefined, flags: StatusFlags): Promise<void> {
  if (!flags.watch) {
    const file = given ?? (await findNewestStatus(flags));
    if (flags.json) {
      const { record, exitCode } = await readStatusRecord(file);
      process.stdout.write(`${JSON.stringify(record)}\n`);
      process.exitCode = exitCode;
    } else {
      const { text, exitCode } = await renderStatusFile(file);
      process.stdout.write(`${text}\n`);
      process.exitCode = exitCode;
    }
    return;
  }
  const intervalMs = parseSeconds(flags.interval, '--interval') * 1000;
  if (intervalMs < MIN_INTERVAL_MS)
    throw new ConfigError(
      `--interval ${quoteValue(flags.interval)}: too short to watch a file; use at least 0.1 (seconds)`,
    );
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const file = given ?? (await waitForNewestStatus(flags, intervalMs, controller.signal));
  process.exitCode = await watchStatusFile(file, {
    intervalMs,
    stream: process.stdout,
    signal: controller.signal,
    json: flags.json ?? false,
  });
}

/**
 * {@link findNewestStatus} for --watch, which may be started before the run it is meant for (a scheduled task
 * that has not fired yet): with none found it says so once and looks again every `intervalMs`.
 * @throws InterruptedError when stopped (Ctrl+C) before a status file appeared.
 */
async function waitForNewestStatus(
  flags: StatusFlags,
  intervalMs: number,
  signal: AbortSignal,
): Promise<string> {
  for (let announced = false; ; announced = true) {
    const found = await lookForStatus(flags);
    if (found.path !== undefined) return found.path;
    if (!announced)
      process.stderr.write(`${found.missing}; waiting for a run to write one (Ctrl+C to stop)\n`);
    await sleep(intervalMs, undefined, { signal }).catch(() => {
      throw new InterruptedError('status: stopped before any run wrote a status file');
    });
  }
}

/** Enough to notice another project's run; the rest are counted. */
const OTHERS_NAMED = 3;

/**
 * The newest status file a run of this account or of a scheduled task wrote: in the state folder the flag,
 * `UPLOAD_TO_S3_STATE_DIR` or the config names (else the user's), in the machine-wide one, and where the config
 * or `UPLOAD_TO_S3_STATUS_JSON` puts it. Others found are named on stderr, so a second project is not missed.
 * @throws ConfigError when there is none, naming where it looked.
 */
async function findNewestStatus(flags: StatusFlags): Promise<string> {
  const found = await lookForStatus(flags);
  if (found.path === undefined)
    throw new ConfigError(
      `${found.missing}; pass the run's status file (its --status-json) or its --state-dir`,
    );
  return found.path;
}

/** The newest status file's path (others named on stderr), or what says where none was found. */
async function lookForStatus(flags: StatusFlags): Promise<{ path?: string; missing?: string }> {
  // loaded only without a path: a status file named on the command line is shown without reading YAML
  const [{ loadCommandConfig }, { chooseStateDir, machineStateDir }, { findStatusFiles, statusFilesOf }] =
    await Promise.all([
      import('../config/config-file.js'),
      import('../config/state-dir.js'),
      import('../status/status-discovery.js'),
    ]);
  const values = (await loadCommandConfig(flags.config))?.values ?? {};
  const stateDirs = [...new Set([chooseStateDir(flags.stateDir, values.state_dir), machineStateDir()])];
  const named = [process.env.UPLOAD_TO_S3_STATUS_JSON, values.status_json].filter(
    (file) => !!file,
  ) as string[];
  const found = await findStatusFiles(stateDirs, named);
  const candidates = flags.projectKey ? statusFilesOf(found, flags.projectKey) : found;
  const [newest, ...others] = candidates;
  if (newest === undefined) {
    const whose = flags.projectKey ? ` of project ${flags.projectKey}` : '';
    return { missing: `status: no status file${whose} in ${stateDirs.join(' or ')}` };
  }
  if (others.length > 0)
    process.stderr.write(describeOthers(others, candidates.length, flags.projectKey !== undefined));
  return { path: newest.path };
}

/**
 * One line on stderr, so that --json output stays one record per line on stdout. With `--project-key` given, the
 * others are that project's runs to other buckets or state folders: only their paths tell them apart.
 */
function describeOthers(others: readonly FoundStatus[], total: number, byProject: boolean): string {
  const listed = others
    .slice(0, OTHERS_NAMED)
    .map((entry) => `${entry.path}${entry.projectKey ? ` (${entry.projectKey})` : ''}`);
  const rest = others.length > OTHERS_NAMED ? ` and ${others.length - OTHERS_NAMED} more` : '';
  const pick = byProject ? 'pick one by its path' : 'pick one with --project-key KEY or its path';
  return `status: showing the newest of ${total} status files; others: ${listed.join(', ')}${rest}; ${pick}\n`;
}
