import os from 'node:os';
import path from 'node:path';

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
