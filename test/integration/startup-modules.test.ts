/**
 * What each command loads before it works, read from Node's own list of loaded built-in modules: a guard on the
 * bundle's split and of the built-ins it loads on first use (scripts/build.mjs). `--version` and `--help` must not
 * load the upload engine, whose modules pull in `node:crypto`, `node:zlib` and `node:v8`, nor `node:child_process`
 * (which commander requires for executable subcommands); a dry run of files the upload log settles asks the bucket
 * only what a rerun asks (HeadBucket and a listing, signed without the SDK), and hashes and spawns nothing, so it
 * loads plain HTTP and crypto (for the signature) and none of the other built-ins. No timing is measured here (that is
 * `npm run bench -- --startup`).
 */
import { spawnSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { CLI_PATH, runCli } from '../support/run-cli.js';
import { createTestBucket, testServerConfig } from '../support/s3-env.js';

/** Preloaded with `--import`: on exit, prints the public built-in modules the process loaded on stderr. */
const HOOK = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(process.moduleLoadList" +
    ".filter((m) => m.startsWith('NativeModule ') && !m.includes('internal/'))" +
    ".map((m) => m.slice(13))) + '\\n'));",
)}`;
const ENGINE_BUILTINS = ['crypto', 'zlib', 'v8', 'http', 'https', 'child_process', 'perf_hooks'];

afterAll(removeTempDirs);

/** Runs the CLI with the hook; returns the exit code and the built-ins it loaded. */
function loadedBy(args: readonly string[]): { code: number | null; builtins: string[]; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', HOOK, CLI_PATH, ...args], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const line = /^LOADED (.*)$/m.exec(result.stderr)?.[1];
  return { code: result.status, builtins: line ? (JSON.parse(line) as string[]) : [], stderr: result.stderr };
}

describe('what a command loads before it works', () => {
  it.each([[['--version']], [['--help']], [['check', '--help']], [['status', '--help']]])(
    '%j loads the command definitions only, not the engine',
    (args) => {
      const { code, builtins, stderr } = loadedBy(args);
      expect(code, stderr).toBe(0);
      expect(builtins, 'the hook reported').toContain('fs');
      expect(builtins.filter((name) => ENGINE_BUILTINS.includes(name))).toEqual([]);
    },
  );

  it('a dry run of files the upload log settles asks the bucket without loading TLS, zlib, child_process or perf_hooks', async () => {
    const work = await makeTempDir('startup-modules');
    const project = path.join(work, 'RMI1');
    await writeFiles(project, { 'logs/a.txt': 'a' });
    const config = await writeConfig(work, {
      bucket: await createTestBucket('startup-modules'),
      ...testServerConfig(),
    });
    await chmod(config, 0o600);
    const args = ['-c', config, '-f', project, '-p', 'RMI1', '--state-dir', path.join(work, 'state')];
    const sent = await runCli(args);
    expect(sent.code, sent.stderr).toBe(0);

    const { code, builtins, stderr } = loadedBy([...args, '--dry-run']);
    expect(code, stderr).toBe(0);
    expect(builtins, 'the upload command ran (it sets the young generation through v8)').toContain('v8');
    // perf_hooks: the global `performance`, eleven modules on its first read; durations come from process.hrtime
    const unneeded = ['https', 'tls', 'zlib', 'child_process', 'perf_hooks'];
    expect(builtins.filter((name) => unneeded.includes(name))).toEqual([]);
    expect(builtins, 'it asked the bucket (a plain http:// endpoint here)').toContain('http');
  });
});
