#!/usr/bin/env node
/**
 * Wall time and peak RSS of the built CLI on many small files: a dry run against an empty bucket, the upload,
 * the first rerun (every file skipped, from the log) and the second rerun (nothing changed since the first).
 * Each run is measured by `/usr/bin/time -f "%e %M"`, so the figure is the whole process, SDK and all.
 *
 *   node bench/scale-memory.mjs [--files 100000] [--folders 500] [--size 64] [--keep] [--cli dist/cli.js]
 *
 * Needs `npm run build` first and an S3 server: BENCH_S3_ENDPOINT (default http://127.0.0.1:7481),
 * BENCH_S3_ACCESS_KEY, BENCH_S3_SECRET_KEY, BENCH_BUCKET_PREFIX (default scale-memory). The bucket is new
 * for each invocation and deleted at the end unless --keep.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createFreshBucket, deleteBucket, makeAdminClient } from './s3-admin.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROJECT_KEY = 'SCALE';

const { values: flags } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    folders: { type: 'string', default: '500' },
    size: { type: 'string', default: '64' },
    keep: { type: 'boolean', default: false },
    cli: { type: 'string', default: path.join(ROOT, 'dist', 'cli.js') },
  },
});
const fileCount = Number(flags.files);
const folderCount = Number(flags.folders);
const sizeBytes = Number(flags.size);

const s3 = {
  endpoint: process.env.BENCH_S3_ENDPOINT ?? 'http://127.0.0.1:7481',
  accessKeyId: process.env.BENCH_S3_ACCESS_KEY ?? 'UPLOADTOS3TESTKEY001',
  secretAccessKey: process.env.BENCH_S3_SECRET_KEY ?? 'uploadToS3TestSecretKey000000000000000001',
};
const bucket = `${process.env.BENCH_BUCKET_PREFIX ?? 'scale-memory'}-${Date.now().toString(36)}`;

/** `count` files of `size` bytes spread over `folders` folders of the logs type; distinct bytes per file. */
async function makeFiles(projectDir, count, folders, size) {
  const perFolder = Math.ceil(count / folders);
  for (let f = 0; f < folders && f * perFolder < count; f++) {
    const dir = path.join(projectDir, 'logs', `d${String(f).padStart(4, '0')}`);
    await mkdir(dir, { recursive: true });
    const writes = [];
    for (let i = f * perFolder; i < Math.min(count, (f + 1) * perFolder); i++) {
      const body = Buffer.alloc(size, `${i}.`);
      writes.push(writeFile(path.join(dir, `f${String(i).padStart(6, '0')}.log`), body));
    }
    await Promise.all(writes);
  }
}

async function writeConfig(workDir) {
  const file = path.join(workDir, 'config.yaml');
  const lines = [
    `endpoint_url: ${s3.endpoint}`,
    'force_path_style: true',
    `bucket: ${bucket}`,
    'region: us-east-1',
    'auth_mode: config',
    `aws_access_key_id: ${s3.accessKeyId}`,
    `aws_secret_access_key: ${s3.secretAccessKey}`,
    `log_csv: ${path.join(workDir, 'upload-log.csv')}`,
    `status_json: ${path.join(workDir, 'status.json')}`,
    `state_dir: ${path.join(workDir, 'state')}`,
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the CLI once under /usr/bin/time; resolves with exit code, wall seconds and peak RSS in MB. */
function measure(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', process.execPath, flags.cli, ...args], {
      env: {
        ...process.env,
        CI: 'true',
        NO_COLOR: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stderr.trim().split('\n');
      const [wall, maxRssKb] = (lines.pop() ?? '').split(' ').map(Number);
      resolve({ code, wallSeconds: wall, peakRssMb: Math.round(maxRssKb / 1024), stderr: lines.join('\n') });
    });
  });
}

async function main() {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'scale-memory-'));
  const projectDir = path.join(workDir, 'project');
  const client = makeAdminClient(s3);
  try {
    const made = performance.now();
    await makeFiles(projectDir, fileCount, folderCount, sizeBytes);
    console.log(
      `${fileCount} files of ${sizeBytes} B in ${folderCount} folders (${Math.round(performance.now() - made)} ms to create)`,
    );
    await createFreshBucket(client, bucket);
    const config = await writeConfig(workDir);
    const base = ['--config', config, '--folder', projectDir, '--project-key', PROJECT_KEY, '--quiet'];
    const runs = [
      ['dry run', [...base, '--dry-run']],
      ['upload', base],
      ['first rerun', base],
      ['second rerun', base],
    ];
    console.log(
      `load average before: ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    console.log('| run | exit | wall s | peak RSS MB |\n|---|---|---|---|');
    for (const [name, args] of runs) {
      const result = await measure(args);
      console.log(`| ${name} | ${result.code} | ${result.wallSeconds.toFixed(2)} | ${result.peakRssMb} |`);
      if (result.code !== 0) console.error(result.stderr.split('\n').slice(-5).join('\n'));
    }
    console.log(
      `load average after: ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    if (!flags.keep) {
      await deleteBucket(client, bucket).catch((error) => console.error(`delete ${bucket}: ${error}`));
      await rm(workDir, { recursive: true, force: true });
    } else {
      console.log(`kept bucket ${bucket} and ${workDir}`);
    }
    client.destroy();
  }
}

await main();
