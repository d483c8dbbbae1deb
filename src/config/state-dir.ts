import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The value of `--state-dir` / `state_dir` that names the machine-wide folder instead of a path. */
export const MACHINE_STATE_DIR = 'machine';

/**
 * Subfolders the run writes into, opened up with the machine-wide folder, so the account that did not
 * create them can add files too.
 */
const SHARED_SUBFOLDERS = ['locks', 'journals', 'runs'];

/** Read, write and enter for every account, without the sticky bit: one account may replace another's files. */
const SHARED_MODE = 0o777;

/** BUILTIN\Users by SID: the name is translated on non-English Windows, the SID is not. */
const WINDOWS_USERS_SID = '*S-1-5-32-545';

/**
 * The per-user folder for resume journals, the hash cache and locks: `%LOCALAPPDATA%\upload-to-s3`
 * on Windows, `~/Library/Application Support/upload-to-s3` on macOS, `$XDG_STATE_HOME/upload-to-s3`
 * (or `~/.local/state/upload-to-s3`) elsewhere. Never the project folder, which may be read-only media.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'upload-to-s3');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'upload-to-s3');
  return path.join(env.XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'upload-to-s3');
}

/**
 * The machine-wide folder shared by a scheduled task (SYSTEM, root) and interactive runs:
 * `%ProgramData%\upload-to-s3` on Windows, `/var/lib/upload-to-s3` elsewhere.
 */
export function machineStateDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32')
    return path.win32.join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'upload-to-s3');
  return '/var/lib/upload-to-s3';
}

/** The state folder a setting names: `machine` is the machine-wide folder, anything else a path. */
export function resolveStateDir(
  setting: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  if (setting === MACHINE_STATE_DIR) return machineStateDir(env, platform);
  return path.resolve(setting ?? defaultStateDir(env, platform));
}

/**
 * The state folder of a command: `--state-dir`, else `UPLOAD_TO_S3_STATE_DIR`, else the config's `state_dir`, else
 * the user's ({@link resolveStateDir}). Upload runs and the status search take it from here alike.
 */
export function chooseStateDir(
  flag: string | undefined,
  configValue: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return resolveStateDir(flag || env.UPLOAD_TO_S3_STATE_DIR || configValue || undefined, env);
}

/** How the machine-wide folder is opened to every account on `platform` when it is first created. */
export type SharedAccess =
  { kind: 'acl'; command: string; args: string[] } | { kind: 'mode'; mode: number; folders: string[] };

/**
 * On Windows, BUILTIN\Users get Modify, inherited by every subfolder and file (`icacls /grant
 * *S-1-5-32-545:(OI)(CI)M`); SYSTEM and Administrators already have full control under %ProgramData%.
 * Elsewhere the folder and the subfolders the run writes into get mode 0777 without the sticky bit, so
 * one account can replace (write-then-rename) and take over the files of another.
 */
export function sharedAccessFor(dir: string, platform = process.platform): SharedAccess {
  if (platform === 'win32')
    return { kind: 'acl', command: 'icacls', args: [dir, '/grant', `${WINDOWS_USERS_SID}:(OI)(CI)M`, '/Q'] };
  return {
    kind: 'mode',
    mode: SHARED_MODE,
    folders: [dir, ...SHARED_SUBFOLDERS.map((name) => path.join(dir, name))],
  };
}

/**
 * Opens `folder` to every account as {@link sharedAccessFor} says, when it is the machine-wide folder, and on
 * systems without inherited ACLs any folder inside it too. Called by whatever creates a folder, right after
 * creating it: the first folder a run makes inside the machine-wide one (a scheduled task's log file lives
 * there) would otherwise create it closed. A folder that already exists is never opened, so an administrator
 * may make it beforehand with tighter permissions.
 * @throws the icacls or fs error when the folder cannot be opened up.
 */
export function openIfMachineStateDir(
  folder: string,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): void {
  const machine = machineStateDir(env, platform);
  if (!isSameFolder(folder, machine, platform)) {
    // a run status folder made by root must take another account's status file too; Windows inherits the grant
    if (platform !== 'win32' && isInside(folder, machine)) chmodSync(folder, SHARED_MODE);
    return;
  }
  const access = sharedAccessFor(folder, platform);
  if (access.kind === 'acl') {
    execFileSync(access.command, access.args, { windowsHide: true, stdio: 'ignore' });
    return;
  }
  for (const shared of access.folders) {
    mkdirSync(shared, { recursive: true });
    // mkdir's mode is masked by the umask; chmod is not
    chmodSync(shared, access.mode);
  }
}

function isInside(folder: string, parent: string): boolean {
  const relative = path.relative(parent, folder);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function isSameFolder(a: string, b: string, platform: NodeJS.Platform): boolean {
  if (platform !== 'win32') return path.resolve(a) === path.resolve(b);
  return path.win32.resolve(a).toLowerCase() === path.win32.resolve(b).toLowerCase();
}
