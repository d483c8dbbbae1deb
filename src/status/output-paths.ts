import { constants } from 'node:fs';
import { access, lstat, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makeFolder } from '../state/make-folder.js';

/** The files and the folder a run writes, as resolved from flags, environment and config. */
export interface OutputPaths {
  statusJson: string;
  logCsv: string;
  logFile?: string | undefined;
  stateDir: string;
}

/** How each path is named in messages: what it is, and where the user sets it. */
const SETTINGS = {
  statusJson: { what: 'status file', setting: '--status-json or status_json' },
  logCsv: { what: 'CSV log', setting: '--log-csv or log_csv' },
  logFile: { what: 'log file', setting: '--log-file' },
  stateDir: { what: 'state folder', setting: '--state-dir or state_dir' },
  checkReport: { what: 'check report', setting: '--report' },
} as const;

const REASONS: Record<string, string> = {
  ENOENT: 'cannot be created there',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'the disk is full',
  ENAMETOOLONG: 'the path is too long',
  EBUSY: 'held by another program',
  ELOOP: 'it is a symbolic link, which is not followed',
};

/**
 * Proves, before anything is sent, that the run can write where it is told to: the folders of the status file,
 * the CSV log and the log file are created (as the run would), each file is writable or can be created there,
 * and the state folder is writable or can be created in its parent. The state folder itself is left for the run
 * lock to create, which opens the machine-wide folder to every account only when it creates it.
 * @throws ConfigError naming the path, what is wrong and the setting to fix, at the first unusable path.
 */
export async function checkOutputPaths(paths: OutputPaths): Promise<void> {
  await checkFolder(paths.stateDir, 'stateDir');
  await checkFile(paths.statusJson, 'statusJson');
  await checkFile(paths.logCsv, 'logCsv');
  if (paths.logFile !== undefined) await checkFile(paths.logFile, 'logFile');
}

/**
 * Proves that `check --report` can write its file before the check starts: a check can take hours, and a report
 * folder that does not exist would otherwise end it only then. Its folder is created, as for the run's files.
 * @throws ConfigError naming the path, what is wrong and `--report`.
 */
export async function checkReportPath(file: string): Promise<void> {
  await checkFile(file, 'checkReport');
}

async function checkFile(file: string, name: keyof typeof SETTINGS): Promise<void> {
  const folder = path.dirname(file);
  await attempt(file, name, () => makeFolder(folder));
  const existing = await lstat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw unusable(file, name, 'it is a folder');
  // the logs are appended to without following a link at their name (another account may have put it there)
  if (existing?.isSymbolicLink()) throw unusable(file, name, 'it is a symbolic link, which is not followed');
  await attempt(file, name, () =>
    existing ? access(file, constants.W_OK) : probeFolder(folder, path.basename(file)),
  );
}

async function checkFolder(dir: string, name: keyof typeof SETTINGS): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw unusable(dir, name, 'it is a file, not a folder');
  if (existing) return attempt(dir, name, () => probeFolder(dir, 'state'));
  const parent = path.dirname(dir);
  await attempt(dir, name, async () => {
    await makeFolder(parent);
    await probeFolder(parent, path.basename(dir));
  });
}

/** Creates and removes a file in `folder`: the one check that holds for ACLs, read-only mounts and /proc alike. */
async function probeFolder(folder: string, name: string): Promise<void> {
  const probe = path.join(folder, `.${name}.${process.pid}.probe`);
  const handle = await open(probe, 'wx');
  await handle.close();
  await rm(probe, { force: true });
}

async function attempt(
  target: string,
  name: keyof typeof SETTINGS,
  step: () => Promise<void>,
): Promise<void> {
  try {
    await step();
  } catch (error) {
    throw unusable(target, name, describePathError(error), error);
  }
}

/** Why a path cannot be written, in a few words with the code: `permission denied (EACCES)`. */
export function describePathError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason = REASONS[code] ?? String((error as Error | undefined)?.message ?? error);
  return code ? `${reason} (${code})` : reason;
}

function unusable(
  target: string,
  name: keyof typeof SETTINGS,
  problem: string,
  cause?: unknown,
): ConfigError {
  const { what, setting } = SETTINGS[name];
  return new ConfigError(
    `write ${what} ${target}: ${problem}; pass a path you can write to with ${setting}`,
    cause === undefined ? undefined : { cause },
  );
}
