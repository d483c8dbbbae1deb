/**
 * The region of the AWS config file's profile, as the AWS CLI takes it when no region is set: a user who ran
 * `aws configure` has the bucket's region there and no reason to write it again.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { profileRegion, regionInSection } from '../../../src/config/profile-region.js';
import { resolveRunOptions, type UploadFlags } from '../../../src/config/run-options.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

const CONFIG = [
  '[default]',
  'region = eu-west-2',
  'output = json',
  '',
  '# a survey account',
  '[profile survey]',
  'sso_region = us-east-1',
  's3 =',
  '  region = nowhere-1',
  'region=ap-southeast-2 ; Sydney',
  '',
  '[survey-no-prefix]',
  'region = sa-east-1',
].join('\r\n');

describe('regionInSection', () => {
  it("reads a section's region, not sso_region, a sub-section's key or a comment", () => {
    expect(regionInSection(CONFIG, 'default')).toBe('eu-west-2');
    expect(regionInSection(CONFIG, 'profile survey')).toBe('ap-southeast-2');
    expect(regionInSection(CONFIG, 'profile other')).toBeUndefined();
  });
});

describe('profileRegion', () => {
  async function configFile(): Promise<string> {
    const file = path.join(await makeTempDir('aws-config'), 'config');
    await writeFile(file, CONFIG);
    return file;
  }

  it('reads AWS_CONFIG_FILE, the named profile, else AWS_PROFILE, else default', async () => {
    const file = await configFile();
    expect(profileRegion({ AWS_CONFIG_FILE: file }, undefined)).toBe('eu-west-2');
    expect(profileRegion({ AWS_CONFIG_FILE: file }, 'survey')).toBe('ap-southeast-2');
    expect(profileRegion({ AWS_CONFIG_FILE: file, AWS_PROFILE: 'survey' }, undefined)).toBe('ap-southeast-2');
    // as the SDKs read the config file: a profile other than default is `[profile NAME]`
    expect(profileRegion({ AWS_CONFIG_FILE: file }, 'survey-no-prefix')).toBeUndefined();
  });

  it('finds ~/.aws/config under HOME, else USERPROFILE, and is undefined without the file', async () => {
    const home = await makeTempDir('home');
    expect(profileRegion({ HOME: home }, undefined)).toBeUndefined();
    await import('node:fs/promises').then(({ mkdir }) => mkdir(path.join(home, '.aws')));
    await writeFile(path.join(home, '.aws', 'config'), CONFIG);
    expect(profileRegion({ HOME: home }, undefined)).toBe('eu-west-2');
    expect(profileRegion({ USERPROFILE: home }, 'survey')).toBe('ap-southeast-2');
  });

  it('gives the run its region only where the credentials come from the AWS chain, after every region set', async () => {
    const file = await configFile();
    const flags = { projectKey: 'RMI25320', folder: path.resolve('/surveys/RMI25320') } as UploadFlags;
    const run = (config: Record<string, unknown>, env: NodeJS.ProcessEnv, more: Partial<UploadFlags> = {}) =>
      resolveRunOptions(
        { ...flags, ...more },
        { bucket: 'survey-bucket', ...config },
        { HOME: '/nowhere', AWS_CONFIG_FILE: file, ...env },
      ).region;
    expect(run({}, {})).toBe('eu-west-2');
    expect(run({}, { AWS_PROFILE: 'survey' })).toBe('ap-southeast-2');
    expect(run({ auth_mode: 'profile', profile: 'survey' }, {})).toBe('ap-southeast-2');
    expect(run({}, {}, { profile: 'survey' })).toBe('ap-southeast-2');
    expect(run({ region: 'eu-north-1' }, {})).toBe('eu-north-1');
    expect(run({}, { AWS_REGION: 'ca-central-1' })).toBe('ca-central-1');
    // keys of our own config are for an endpoint of their own: the AWS CLI's profile says nothing of it
    expect(run({ aws_access_key_id: 'AKIA', aws_secret_access_key: 'secret' }, {})).toBe('us-east-1');
  });
});
