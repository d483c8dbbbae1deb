/**
 * The package as users get it: `npm pack`, then `npm install --global` of the tarball into a prefix of its own.
 * The installed command runs the bundle, needs no dependency but the keyring's native module, and uploads.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTempDir, writeFiles } from '../support/fixtures.js';
import { buildCliEnv, PROJECT_ROOT } from '../support/run-cli.js';
import { keyOf, uploadArgs, useHarnessBucket } from './transfer-harness.js';
import { listAllObjects } from '../support/bucket.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let bucket: string;
const { harness } = useHarnessBucket('packed', (created) => (bucket = created));

/** Packs the working tree (its built dist/) and installs the tarball globally under a prefix of its own. */
async function installPacked(): Promise<{ bin: string; installed: string }> {
  const root = await makeTempDir('packed');
  const packed = await run(NPM, ['pack', '--pack-destination', root, '--silent'], {
    cwd: PROJECT_ROOT,
    shell: process.platform === 'win32',
  });
  const tarball = path.join(root, packed.stdout.trim().split('\n').pop()!);
  const prefix = path.join(root, 'prefix');
  await run(
    NPM,
    ['install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: root, shell: process.platform === 'win32', timeout: 180_000 },
  );
  const installed =
    process.platform === 'win32'
      ? path.join(prefix, 'node_modules', 'upload-to-s3')
      : path.join(prefix, 'lib', 'node_modules', 'upload-to-s3');
  const bin = path.join(prefix, process.platform === 'win32' ? 'upload-to-s3.cmd' : 'bin/upload-to-s3');
  return { bin, installed };
}

describe('npm install --global of the packed tarball', () => {
  it('installs the bundle with the keyring module alone, and the installed command uploads', async () => {
    const { bin, installed } = await installPacked();
    const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const options = { env: buildCliEnv(), shell: process.platform === 'win32' };
    expect((await run(bin, ['--version'], options)).stdout.trim()).toBe(pkg.version);

    const scopes = await readdir(path.join(installed, 'node_modules'));
    expect(scopes).toEqual(['@napi-rs']);

    const h = await harness('PACKED');
    await writeFiles(h.projectDir, { 'config/site.yaml': 'site: one\n', 'logs/run.log': 'started\n' });
    const upload = await run(bin, uploadArgs(h), options);
    expect(upload.stderr).toBe('');
    const keys = (await listAllObjects(bucket, `${h.projectKey}/`)).map((o) => o.key).sort();
    expect(keys).toEqual([keyOf(h, 'config/site.yaml'), keyOf(h, 'logs/run.log')]);
  });
});
