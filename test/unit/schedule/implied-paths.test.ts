import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { impliedPaths, previewNotice } from '../../../src/commands/schedule-action.js';
import type { UploadFlags } from '../../../src/config/run-options.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

/** A survey folder with project RMI25320 in it, and a config the environment names. */
async function setUp(
  config: string,
): Promise<{ project: string; configPath: string; env: NodeJS.ProcessEnv }> {
  const root = await makeTempDir('implied-paths');
  const project = path.join(root, 'survey', 'RMI25320');
  await mkdir(project, { recursive: true });
  const configPath = path.join(root, 'config.yaml');
  await writeFile(configPath, config);
  return { project, configPath, env: { UPLOAD_TO_S3_CONFIG: configPath, XDG_CONFIG_HOME: root } };
}

describe('impliedPaths', () => {
  it('gives a Windows task the config and the project folder a run at this prompt would find', async () => {
    const { project, configPath, env } = await setUp('bucket: survey-archive\n');

    const implied = await impliedPaths(
      { projectKey: 'RMI25320' },
      {
        platform: 'win32',
        env,
        cwd: project,
      },
    );

    expect(implied).toEqual({ config: configPath, folder: project });
  });

  it('adds nothing the upload flags give, nor a folder the config finds by project_base', async () => {
    // relative to the config's folder: the survey folder that holds RMI25320
    const { configPath, env } = await setUp('bucket: survey-archive\nproject_base: survey\n');
    const flags = { config: configPath, projectKey: 'RMI25320' };

    expect(await impliedPaths(flags, { platform: 'win32', env, cwd: '/' })).toEqual({ config: undefined });
    expect(
      await impliedPaths(
        { ...flags, folder: 'D:\\survey\\RMI25320' },
        {
          platform: 'win32',
          env,
          cwd: '/',
        },
      ),
    ).toEqual({ config: undefined });
  });

  it('refuses to schedule a project it cannot find from here, as the run would', async () => {
    const { env } = await setUp('bucket: survey-archive\n');

    await expect(
      impliedPaths(
        { projectKey: 'RMI25320' },
        {
          platform: 'win32',
          env,
          cwd: path.parse(process.cwd()).root,
        },
      ),
    ).rejects.toThrow('--folder: no folder given');
  });

  it('looks nothing up where the task will not run', async () => {
    const { project, env } = await setUp('bucket: survey-archive\n');

    expect(await impliedPaths({ projectKey: 'RMI25320' }, { platform: 'linux', env, cwd: project })).toEqual(
      {},
    );
  });
});

describe('previewNotice', () => {
  it('says off Windows that the task is a preview and names the flags it lacks', () => {
    expect(previewNotice({ projectKey: 'RMI25320' } as UploadFlags, 'linux')).toBe(
      "Preview made on linux: the task runs this machine's node and cli.js, and has no --config or --folder (on Windows, schedule fills them in from where it runs). Print it on the Windows machine that will run it.\n\n",
    );
    expect(
      previewNotice({ projectKey: 'R', config: 'D:\\c.yaml', folder: 'D:\\R' } as UploadFlags, 'darwin'),
    ).toBe(
      "Preview made on darwin: the task runs this machine's node and cli.js. Print it on the Windows machine that will run it.\n\n",
    );
  });

  it('says nothing on Windows, where the task is made for this machine', () => {
    expect(previewNotice({ projectKey: 'RMI25320' } as UploadFlags, 'win32')).toBe('');
  });
});
