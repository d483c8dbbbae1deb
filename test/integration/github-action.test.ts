/**
 * The GitHub Action's upload step (action.yml), run as the runner runs it: its script under `bash -eo pipefail`.
 * A cancelled job signals that shell only, never the upload it started; the step must pass the signal on, so that
 * the upload stops as Ctrl+C stops it (status file `interrupted`, exit 130) and the exit code still becomes the
 * step's output, rather than the upload going on alone after the shell is gone.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeFiles } from '../support/fixtures.js';
import { buildCliEnv, CLI_PATH, PROJECT_ROOT } from '../support/run-cli.js';
import { readStatusJson } from '../support/run-outcomes.js';
import { MiB, useHarnessBucket } from './transfer-harness.js';

const { harness } = useHarnessBucket('action', () => undefined);

interface ActionStep {
  id?: string;
  run?: string;
}

async function uploadStepScript(): Promise<string> {
  const action = parse(await readFile(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as {
    runs: { steps: ActionStep[] };
  };
  const step = action.runs.steps.find((s) => s.id === 'upload');
  if (!step?.run) throw new Error('action.yml has no step with id upload');
  return step.run;
}

describe('the GitHub Action cancelled mid-upload', () => {
  it('passes SIGTERM on: the upload stops as interrupted and exit code 130 becomes the output', async () => {
    const h = await harness('GHA1');
    await writeFiles(h.projectDir, { 'reels/R001/R001.mp4': { sizeBytes: 24 * MiB, seed: 'gha' } });
    const outputFile = path.join(h.stateDir, '..', 'github-output.txt');
    // every part waits at the proxy: the upload is under way when the job is cancelled, whatever the load; one at a
    // time, so parts are left when it stops (a stop whose grace period sees every file end is a completed run)
    h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', times: Infinity }]);
    const shell = spawn('bash', ['-eo', 'pipefail', '-c', await uploadStepScript()], {
      cwd: PROJECT_ROOT,
      env: {
        ...buildCliEnv(),
        INPUT_ARGS: [
          '--folder',
          h.projectDir,
          '--project-key',
          h.projectKey,
          '--quiet',
          '--max-concurrency',
          '1',
        ].join('\n'),
        INPUT_CONFIG: h.configPath,
        INPUT_STATE_DIR: h.stateDir,
        INPUT_STATUS_JSON: h.statusJson,
        RUNNER_TEMP_DIR: path.dirname(h.stateDir),
        CLI: CLI_PATH,
        GITHUB_OUTPUT: outputFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => shell.on('exit', (code) => resolve(code)));
    while (h.proxy.held() < 1) {
      if (shell.exitCode !== null) throw new Error(`the step ended before uploading:\n${stderr}`);
      await sleep(20);
    }

    shell.kill('SIGTERM');
    // released only once the upload says it is stopping: released sooner, it could finish before the signal
    while (!stderr.includes('Stopping:')) {
      if (shell.exitCode !== null) throw new Error(`the step ended without stopping the upload:\n${stderr}`);
      await sleep(20);
    }
    h.proxy.setRules([]);
    h.proxy.release();

    expect(await exited, stderr).toBe(0);
    const outputs = await readFile(outputFile, 'utf8');
    expect(outputs).toContain(`status-json=${h.statusJson}\n`);
    expect(outputs).toContain('exit-code=130\n');
    expect((await readStatusJson(h.statusJson)).phase).toBe('interrupted');
  });
});
