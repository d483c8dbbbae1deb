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

/**
 * Read, write and enter for every account, with the sticky bit (as /tmp): an account may add files and folders but
 * not remove or rename another's, and Linux (fs.protected_symlinks) does not follow a link another account put
 * there, so no account can make a root run write through a link of its own.
 */
const SHARED_MODE = 0o1777;

/** BUILTIN\Users by SID: the name is translated on non-English Windows, the SID is not. */
const WINDOWS_USERS_SID = '*S-1-5-32-545';

/**
 * What BUILTIN\Users get on the Windows folder: read everything; create files and subfolders in every folder
 * (`(CI)` folders only: WD adds a file, AD a subfolder); change, replace and delete files (`(OI)(IO)` files only),
 * so that a hand run and the SYSTEM task take up each other's journals, locks and status files. Not DELETE on
 * folders nor DELETE_CHILD: an account cannot remove a folder the task made and put a junction in its place, which
 * would send the task's writes (as SYSTEM) anywhere on the disk.
 */
const WINDOWS_USERS_GRANTS = [
  `${WINDOWS_USERS_SID}:(OI)(CI)RX`,
  `${WINDOWS_USERS_SID}:(CI)(WD,AD)`,
  `${WINDOWS_USERS_SID}:(OI)(IO)M`,
];

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
 * On Windows, BUILTIN\Users get the grants of {@link WINDOWS_USERS_GRANTS}, inherited by everything inside;
 * SYSTEM and Administrators already have full control under %ProgramData%. Elsewhere the folder and the
 * subfolders the run writes into get mode 1777 ({@link SHARED_MODE}): each account replaces and takes over only
 * its own files there (accounts that share one another's share the folder through a group, see the README).
 */
export function sharedAccessFor(dir: string, platform = process.platform): SharedAccess {
  if (platform === 'win32')
    return { kind: 'acl', command: 'icacls', args: [dir, '/grant', ...WINDOWS_USERS_GRANTS, '/Q'] };
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
    // a run status folder made by root must take the files of other accounts' runs too; Windows inherits the grant
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
