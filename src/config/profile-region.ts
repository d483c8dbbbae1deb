import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The region the AWS shared config file gives a profile (`region = eu-west-1` under `[profile NAME]`, or under
 * `[default]`), as the AWS CLI and SDKs take it when no region is set otherwise. The file is `AWS_CONFIG_FILE`, else
 * `~/.aws/config` (`%USERPROFILE%\.aws\config` on Windows, as the SDK finds the home folder). Undefined when there is no such file, profile or key: a
 * file that cannot be read is left to the credential chain, which reads it too and says what is wrong.
 */
export function profileRegion(env: NodeJS.ProcessEnv, profile: string | undefined): string | undefined {
  const file = env.AWS_CONFIG_FILE || path.join(homeFolder(env), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return regionInSection(text, sectionName(profile ?? env.AWS_PROFILE ?? 'default'));
}

/** The home folder as the SDK's credential chain finds it, so that both read the same file. */
function homeFolder(env: NodeJS.ProcessEnv): string {
  if (env.HOME) return env.HOME;
  if (env.USERPROFILE) return env.USERPROFILE;
  if (env.HOMEPATH) return `${env.HOMEDRIVE ?? `C:${path.sep}`}${env.HOMEPATH}`;
  return os.homedir();
}

function sectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/** The value of `region` in the section named `section` of an INI text; later sections of one name add to it. */
export function regionInSection(text: string, section: string): string | undefined {
  let inSection = false;
  let region: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      inSection = header[1]!.replace(/\s+/g, ' ') === section;
      continue;
    }
    // an indented line continues a sub-section (`s3 =` then `  max_concurrent_requests = 20`), not the profile
    if (!inSection || /^\s/.test(raw)) continue;
    const setting = /^region\s*=\s*([^\s#;]*)/.exec(line);
    if (setting?.[1]) region = setting[1];
  }
  return region;
}
