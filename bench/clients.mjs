/**
 * The clients under test, as data: what each runs, in which environment, and what it must leave in the
 * bucket. Every client gets a clean environment (no AWS_* or RCLONE_* from the caller), quiet output
 * (progress redraws cost CPU and are not what is measured), and its own documented defaults or tuning.
 *
 * A client's `command(run)` gets `{ server, bucket, dataset, runDir, work }` and returns
 * `{ command, args, env, display }`; `display` is the command line printed in the report.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { presignPutUrl } from './presign.mjs';
import { PROJECT_ROOT } from './servers.mjs';

export const AWS_BIN = process.env.BENCH_AWS_BIN || '/usr/bin/aws';
const OUR_CLI = path.join(PROJECT_ROOT, 'dist', 'cli.js');
const BASELINE = path.join(PROJECT_ROOT, 'bench', 'lib-storage-baseline.mjs');
const SYNC_CLIENT = path.join(PROJECT_ROOT, 'bench', 's3-sync-client-sync.mjs');
const AWS_TUNING = { max_concurrent_requests: '16', multipart_chunksize: '64MB' };
const RCLONE_TUNING = ['--transfers', '16', '--s3-upload-concurrency', '8', '--s3-chunk-size', '64M'];

/** The upload clients, in the order they run within a round. */
export const UPLOAD_CLIENTS = [
  reference('cat', 'cat of every file > /dev/null (disk read)', catCommand),
  reference('curl', 'curl -T, one PUT of one reel (presigned URL)', curlCommand, {
    sets: ['large'],
    singleFile: true,
  }),
  client('ours', 'upload-to-s3 (defaults)', 'ours', (run) => ourCommand(run)),
  client('aws', 'aws s3 cp (defaults)', 'aws', (run) => awsCommand(run, 'cp', 'default')),
  client('aws-tuned', 'aws s3 cp (16 requests, 64 MB parts)', 'aws', (run) => awsCommand(run, 'cp', 'tuned')),
  client('rclone', 'rclone copy (defaults)', 'rclone', (run) => rcloneCommand(run, [])),
  client('rclone-tuned', 'rclone copy (16 transfers × 8, 64M chunks)', 'rclone', (run) =>
    rcloneCommand(run, RCLONE_TUNING),
  ),
  client('lib-storage', 'lib-storage Upload + p-limit 4 (naive)', 'lib-storage', libStorageCommand),
  client('s3-sync-client', 's3-sync-client sync (16 transfers, 64 MiB parts)', 's3-sync-client', (run) =>
    nodeScriptCommand(run, SYNC_CLIENT),
  ),
];

/** The rerun clients: each runs on a bucket its `seed` client already filled from the same folder. */
export const RERUN_CLIENTS = [
  {
    ...client('ours-rerun', 'upload-to-s3 rerun (upload log)', 'ours', (run) => ourCommand(run)),
    seed: 'ours',
  },
  {
    ...client('ours-rerun-verify', 'upload-to-s3 rerun --verify (asks the bucket)', 'ours', (run) =>
      ourCommand(run, ['--verify']),
    ),
    seed: 'ours',
  },
  {
    ...client('aws-sync', 'aws s3 sync (defaults)', 'aws', (run) => awsCommand(run, 'sync', 'default')),
    seed: 'aws',
  },
  {
    ...client('rclone-rerun', 'rclone copy (defaults)', 'rclone', (run) => rcloneCommand(run, [])),
    seed: 'rclone',
  },
  {
    ...client('s3-sync-client-rerun', 's3-sync-client sync (16 transfers)', 's3-sync-client', (run) =>
      nodeScriptCommand(run, SYNC_CLIENT),
    ),
    seed: 's3-sync-client',
  },
];

/**
 * The dry runs of the planning-at-scale set, against an empty bucket: each plans every file and sends
 * nothing. `base` is the upload client whose tool it runs (a `--clients` selection names upload clients).
 */
export const PLAN_CLIENTS = [
  {
    ...client('ours-dry-run', 'upload-to-s3 --dry-run', 'ours', (run) => ourCommand(run, ['--dry-run'])),
    base: 'ours',
  },
  {
    ...client('rclone-dry-run', 'rclone copy --dry-run (defaults)', 'rclone', (run) =>
      rcloneCommand(run, ['--dry-run']),
    ),
    base: 'rclone',
  },
  {
    ...client('aws-dry-run', 'aws s3 sync --dryrun (defaults)', 'aws', (run) =>
      awsCommand(run, 'sync', 'default', ['--dryrun']),
    ),
    base: 'aws',
  },
].map((c) => ({ ...c, dryRun: true }));

/** The clients of the peak-RSS runs (one big file). */
export const RSS_CLIENTS = UPLOAD_CLIENTS.filter((c) => c.id === 'ours' || c.id === 'lib-storage');

function client(id, label, tool, command) {
  return {
    id,
    label,
    tool,
    role: id.startsWith('ours') ? 'ours' : 'peer',
    command,
    sets: undefined,
    singleFile: false,
  };
}

function reference(id, label, command, extra = {}) {
  return { id, label, tool: id, role: 'reference', command, sets: undefined, singleFile: false, ...extra };
}

/**
 * The tools installed here, and their versions: `{ tool: version | undefined }`. Our tool, lib-storage,
 * cat and curl are always there; aws (Debian's v2 at /usr/bin/aws) and rclone may not be.
 */
export function detectTools() {
  const firstLine = (cmd, args) => {
    const out = spawnSync(cmd, args, { encoding: 'utf8' });
    return out.status === 0 ? `${out.stdout}${out.stderr}`.trim().split('\n')[0] : undefined;
  };
  const ourVersion = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
  const commit = firstLine('git', ['-C', PROJECT_ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = spawnSync('git', ['-C', PROJECT_ROOT, 'status', '--porcelain', 'src'], {
    encoding: 'utf8',
  }).stdout?.trim();
  const source = commit ? `, git ${commit}${dirty ? ' plus uncommitted changes in src/' : ''}` : '';
  const libVersion = packageVersion('@aws-sdk/lib-storage');
  const syncVersion = packageVersion('s3-sync-client');
  return {
    ours: `upload-to-s3 ${ourVersion} (node ${process.version}${source})`,
    aws: existsSync(AWS_BIN) ? firstLine(AWS_BIN, ['--version']) : undefined,
    rclone: firstLine('rclone', ['version']),
    'lib-storage': `@aws-sdk/lib-storage ${libVersion}`,
    's3-sync-client': syncVersion ? `s3-sync-client ${syncVersion}` : undefined,
    cat: firstLine('cat', ['--version']),
    curl: firstLine('curl', ['--version']),
  };
}

/** The version of an installed package, or undefined when it is not installed (npm ci without dev dependencies). */
function packageVersion(name) {
  const manifest = path.join(PROJECT_ROOT, 'node_modules', ...name.split('/'), 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}

/**
 * Writes our YAML config for `server` (its endpoint path-style, its keys in the file, owner-only) to `file`, with
 * `bucket` and any `extraLines`; returns `file`.
 */
export function writeOurConfig(file, server, bucket, extraLines = []) {
  const yaml = [
    `bucket: ${bucket}`,
    `endpoint_url: ${server.endpoint}`,
    'force_path_style: true',
    'auth_mode: config',
    `aws_access_key_id: ${server.accessKeyId}`,
    `aws_secret_access_key: ${server.secretAccessKey}`,
    ...extraLines,
  ];
  writeFileSync(file, `${yaml.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/**
 * Writes the per-server files the clients read: our YAML config, and AWS CLI config files made with
 * `aws configure set` (the tuned one) and left empty (the defaults). Returns the paths.
 */
export function writeClientConfigs(work, server, hasAws) {
  const ourConfig = writeOurConfig(path.join(work, 'upload-to-s3.yaml'), server, 'placeholder-bucket', [
    `state_dir: ${path.join(work, 'state-unused')}`,
  ]);
  const awsDefault = path.join(work, 'aws-default.ini');
  const awsTuned = path.join(work, 'aws-tuned.ini');
  writeFileSync(awsDefault, '');
  writeFileSync(awsTuned, '');
  for (const [name, value] of Object.entries(AWS_TUNING)) {
    if (hasAws)
      spawnSync(AWS_BIN, ['configure', 'set', `default.s3.${name}`, value], {
        env: { ...baseEnv(), AWS_CONFIG_FILE: awsTuned },
      });
  }
  writeFileSync(path.join(work, 'rclone.conf'), '');
  return { ourConfig, awsDefault, awsTuned, rcloneConfig: path.join(work, 'rclone.conf') };
}

/** The `aws configure set` lines behind the tuned AWS CLI runs, for the report. */
export function awsTuningCommands() {
  return Object.entries(AWS_TUNING).map(([name, value]) => `aws configure set default.s3.${name} ${value}`);
}

/** PATH, HOME and locale from the caller; nothing that configures S3 clients. */
function baseEnv() {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TERM'];
  return Object.fromEntries(
    keep.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]),
  );
}

function ourCommand({ bucket, dataset, runDir, work }, extra = []) {
  const args = [
    work.ourCli ?? OUR_CLI,
    '--config',
    work.configs.ourConfig,
    '--folder',
    dataset.root,
    '--project-key',
    dataset.project,
  ];
  args.push('--bucket', bucket, '--state-dir', path.join(runDir, 'state'), '-q', ...extra);
  const env = {
    ...baseEnv(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CI: 'true',
    NO_COLOR: '1',
  };
  return { command: process.execPath, args, env, display: `node dist/cli.js ${args.slice(1).join(' ')}` };
}

function awsCommand({ server, bucket, dataset, work }, verb, config, extra = []) {
  const args = ['s3', verb, ...(verb === 'cp' ? ['--recursive'] : []), dataset.root, `s3://${bucket}/`];
  args.push('--endpoint-url', server.endpoint, '--only-show-errors', ...extra);
  const env = {
    ...baseEnv(),
    ...keysEnv(server),
    AWS_CONFIG_FILE: config === 'tuned' ? work.configs.awsTuned : work.configs.awsDefault,
    AWS_SHARED_CREDENTIALS_FILE: work.configs.awsDefault,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_PAGER: '',
  };
  return { command: AWS_BIN, args, env, display: `aws ${args.join(' ')}` };
}

function rcloneCommand({ server, bucket, dataset, work }, tuning) {
  const args = ['copy', dataset.root, `bench:${bucket}`, ...tuning];
  const env = {
    ...baseEnv(),
    RCLONE_CONFIG: work.configs.rcloneConfig,
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
    RCLONE_CONFIG_BENCH_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: server.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: server.secretAccessKey,
  };
  return { command: 'rclone', args, env, display: `rclone ${args.join(' ')}` };
}

function libStorageCommand(run) {
  return nodeScriptCommand(run, BASELINE);
}

/** `node SCRIPT ENDPOINT BUCKET FOLDER` with the keys in the environment: the Node peers' runner scripts. */
function nodeScriptCommand({ server, bucket, dataset }, script) {
  const args = [script, server.endpoint, bucket, dataset.root];
  const env = { ...baseEnv(), ...keysEnv(server), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return {
    command: process.execPath,
    args,
    env,
    display: `node ${path.relative(PROJECT_ROOT, script)} ${args.slice(1).join(' ')}`,
  };
}

/** Reads every file under `$1` once: the `cat` reference run, and the page-cache warm-up before peak-RSS runs. */
export const READ_ALL_SCRIPT = 'find "$1" -type f -print0 | xargs -0 cat > /dev/null';

function catCommand({ dataset }) {
  return {
    command: 'bash',
    args: ['-c', READ_ALL_SCRIPT, '_', dataset.root],
    env: baseEnv(),
    display: `bash -c '${READ_ALL_SCRIPT}' _ ${dataset.root}`,
  };
}

async function curlCommand({ server, bucket, dataset }) {
  const file = dataset.reelPaths[0];
  const key = path.relative(dataset.root, file).split(path.sep).join('/');
  const url = await presignPutUrl({ ...server, bucket, key });
  const args = ['-sS', '--fail', '-o', '/dev/null', '-H', 'Expect:', '-T', file, url];
  return {
    command: 'curl',
    args,
    env: baseEnv(),
    display: `curl -sS --fail -o /dev/null -H 'Expect:' -T ${file} '<presigned PUT URL>'`,
  };
}

function keysEnv(server) {
  return { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
}
