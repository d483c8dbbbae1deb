import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where a run's config comes from, for messages that say which setting to change. */
export type ConfigSource = '--config' | 'UPLOAD_TO_S3_CONFIG' | 'user config';

export interface ConfigLocation {
  path: string;
  source: ConfigSource;
}

/**
 * The per-user config file, read when neither `--config` nor `UPLOAD_TO_S3_CONFIG` names one:
 * `%APPDATA%\upload-to-s3\config.yaml` on Windows (roaming, beside the account's other settings),
 * `$XDG_CONFIG_HOME/upload-to-s3/config.yaml` (or `~/.config/upload-to-s3/config.yaml`) elsewhere, as rclone
 * and most command-line tools keep theirs on macOS too.
 */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32')
    return path.win32.join(
      env.APPDATA ?? path.win32.join(os.homedir(), 'AppData', 'Roaming'),
      'upload-to-s3',
      'config.yaml',
    );
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'upload-to-s3', 'config.yaml');
}

/**
 * The config a command reads: `--config`, else `UPLOAD_TO_S3_CONFIG`, else the per-user file when it exists.
 * A file named by the flag or the variable must exist (the loader says so); the per-user one is optional, and
 * without any config every setting comes from flags and the environment.
 */
export function locateConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): ConfigLocation | undefined {
  if (flag) return { path: flag, source: '--config' };
  if (env.UPLOAD_TO_S3_CONFIG) return { path: env.UPLOAD_TO_S3_CONFIG, source: 'UPLOAD_TO_S3_CONFIG' };
  const user = userConfigPath(env, platform);
  return isFile(user) ? { path: user, source: 'user config' } : undefined;
}

/** For `--help`: where a config comes from when --config names none, with this account's own path. */
export function describeConfigDefault(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  return `default: UPLOAD_TO_S3_CONFIG, else ${userConfigPath(env, platform)} if it exists`;
}

function isFile(candidate: string): boolean {
  return statSync(candidate, { throwIfNoEntry: false })?.isFile() ?? false;
}
