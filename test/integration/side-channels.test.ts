/**
 * The log file and the status file are side channels of a run: one that cannot be written part-way through (an
 * antivirus holding it, the file replaced by a folder) costs a warning on stderr, never a file's upload, the
 * summary or the exit code.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFiles } from '../support/fixtures.js';
import { spawnCli } from '../support/run-cli.js';
import { digestFile, keyOf, MiB, uploadArgs, useHarnessBucket, waitForProxy } from './transfer-harness.js';

const { harness, expectStored } = useHarnessBucket('side-channels', () => {});

describe('a log file and a status file that stop taking writes mid-run', () => {
  it('uploads every file, warns once for each, and exits 0', async () => {
    const h = await harness('SIDE1');
    const REL = 'reels/R010/R010.mp4';
    const [file] = await writeFiles(h.projectDir, {
      [REL]: { sizeBytes: 24 * MiB, seed: 'side' },
      'reels/R010/R010.json': { sizeBytes: 1000, seed: 'side-json' },
    });
    const digest = await digestFile(file!, 8 * MiB);
    const logFile = path.join(path.dirname(h.statusJson), 'lfx', 'upload.log');
    // the parts wait at the proxy while both files are replaced by folders
    h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', times: Infinity }]);
    const cli = spawnCli(uploadArgs(h, '--log-file', logFile, '--debug'), { timeoutMs: 120_000 });
    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    // the run may write either file again between the rm and the mkdir: swap until the folder is in place
    for (const taken of [logFile, h.statusJson]) {
      for (;;) {
        await rm(taken, { force: true });
        const made = await mkdir(path.join(taken, 'x'), { recursive: true }).then(
          () => true,
          () => false,
        );
        if (made) break;
      }
    }
    h.proxy.setRules([]);
    h.proxy.release();
    const result = await cli.exited;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Upload completed in \S+: 2 files planned$/m);
    const warnings = result.stderr.split('\n').filter((line) => / warn /.test(line));
    expect(
      warnings.filter((line) => line.includes(`write log file ${logFile}: it is a folder (EISDIR)`)),
    ).toHaveLength(1);
    expect(warnings.filter((line) => line.includes(`write status file ${h.statusJson}: `))).toHaveLength(1);
    expect(result.stderr).not.toMatch(/unexpected error|failed /);
    // the log's lines still reach the user
    expect(result.stderr).toContain(` debug request CompleteMultipartUploadCommand ${keyOf(h, REL)}\n`);
    await expectStored(keyOf(h, REL), digest);
  });
});
