/**
 * No secret key or session token ever reaches what a run leaves behind: stdout, stderr, the --log-file output,
 * the status file, the CSV log and every other file in the state folder, on success and on every error path
 * (--debug on, so stack traces and retry diagnostics are printed too).
 */
import { appendFile, chmod, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { spawnCli, type CliResult } from '../support/run-cli.js';
import { countOutcomes, defaultRunFiles, readLogRows, readStatusJson } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, type S3Env } from '../support/s3-env.js';

const PROJECT_KEY = 'RMI25320';
const MiB = 1024 * 1024;
/** RGW ignores a session token it did not issue, so every run can carry one to look for. */
const SESSION_TOKEN = 'FwoGZXIvYXdzEJr-test-session-token-9f3a7c1e';
const WRONG_SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCY-wrong-secret';
const CHANGED_REL = 'config/survey.yaml';

let env: S3Env;
let proxy: FaultProxy;
let bucket: string;
let root: string;
let project: string;

beforeAll(async () => {
  env = getS3Env();
  bucket = await createTestBucket('secrets');
  proxy = await startFaultProxy({ target: env.endpoint });
  root = await makeTempDir('secrets');
  project = path.join(root, PROJECT_KEY);
  await writeFiles(project, {
    'reels/R001/R001_cam1.mp4': { sizeBytes: 20 * MiB, seed: 'cam1' },
    'reels/R001/R001_track.gpx': { sizeBytes: 2_000, seed: 'gpx' },
    [CHANGED_REL]: 'project: RMI25320\n',
    'logs/run.log': { sizeBytes: 3_000, seed: 'log' },
  });
});

afterAll(async () => {
  await proxy?.close();
  await removeTempDirs();
});

/** A config in its own folder with auth_mode config, the given secret and the session token. */
async function writeSecretConfig(secretAccessKey: string): Promise<string> {
  const configPath = await writeConfig(await makeTempDir('secrets-config'), {
    bucket,
    endpoint_url: env.endpoint,
    region: env.region,
    force_path_style: true,
    auth_mode: 'config',
    aws_access_key_id: env.accessKeyId,
    aws_secret_access_key: secretAccessKey,
    aws_session_token: SESSION_TOKEN,
  });
  await chmod(configPath, 0o600);
  return configPath;
}

interface Traces {
  result: CliResult;
  stateDir: string;
  logFile: string | undefined;
  /** Where each text came from → the text. */
  texts: Map<string, string>;
}

interface RunSpec {
  configPath: string;
  /** Diagnostics go to this file instead of stderr. */
  withLogFile: boolean;
  extra?: string[];
  /** Called with the running CLI, e.g. to change a file or interrupt it mid-run. */
  during?: (running: ReturnType<typeof spawnCli>) => Promise<void>;
}

/** Runs the CLI through the proxy with --debug in a fresh state folder and gathers every text it left. */
async function runAndGather(spec: RunSpec): Promise<Traces> {
  const dir = await makeTempDir('secrets-run');
  const stateDir = path.join(dir, 'state');
  const logFile = spec.withLogFile ? path.join(dir, 'logs', 'debug.log') : undefined;
  proxy.resetStats();
  const running = spawnCli([
    '--config',
    spec.configPath,
    '--folder',
    project,
    '--project-key',
    PROJECT_KEY,
    '--state-dir',
    stateDir,
    '--endpoint',
    proxy.endpoint,
    '--debug',
    ...(logFile ? ['--log-file', logFile] : []),
    ...(spec.extra ?? []),
  ]);
  await spec.during?.(running);
  const result = await running.exited;
  const texts = new Map<string, string>([
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ]);
  if (logFile) texts.set('--log-file', await readFile(logFile, 'utf8'));
  for (const file of await listFiles(stateDir))
    texts.set(path.relative(dir, file), await readFile(file, 'latin1'));
  return { result, stateDir, logFile, texts };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every place any of `secrets` (or a recognisable piece of one) shows up, as `where: which`. */
function findSecrets(traces: Traces, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [where, text] of traces.texts) {
    for (const [name, secret] of Object.entries(secrets)) {
      const pieces = [secret, secret.slice(0, 16), secret.slice(-16), encodeURIComponent(secret)];
      if (pieces.some((piece) => text.includes(piece))) found.push(`${where}: ${name}`);
    }
  }
  return found;
}

function allSecrets(): Record<string, string> {
  return {
    'secret key': env.secretAccessKey,
    'wrong secret key': WRONG_SECRET,
    'session token': SESSION_TOKEN,
  };
}

describe('secrets stay out of every output', () => {
  it('a --debug upload with retried requests writes no key or token anywhere', async () => {
    proxy.setRules([
      { match: { operation: 'PutObject' }, action: 'status-500' },
      { match: { operation: 'UploadPart', partNumber: 2 }, action: 'reset-mid-body' },
    ]);
    const traces = await runAndGather({
      configPath: await writeSecretConfig(env.secretAccessKey),
      withLogFile: true,
    });
    proxy.setRules([]);

    expect(traces.result.code, traces.result.stderr).toBe(0);
    const debugLog = traces.texts.get('--log-file') ?? '';
    expect(debugLog).toContain('debug request HeadBucketCommand');
    expect(debugLog).toMatch(/attempt 1 failed \(InternalError 500\); retrying/);
    expect(debugLog).toMatch(/part 2: attempt 1 failed/);
    expect([...traces.texts.keys()]).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/upload-log\.csv$/),
        expect.stringMatching(/status\.json$/),
        expect.stringMatching(/hash-cache\.json$/),
      ]),
    );
    expect(findSecrets(traces, allSecrets())).toEqual([]);
  });

  it('a wrong secret key fails with exit 2, and the --debug stack trace shows neither key nor token', async () => {
    const traces = await runAndGather({
      configPath: await writeSecretConfig(WRONG_SECRET),
      withLogFile: false,
    });

    expect(traces.result.code, traces.result.stderr).toBe(2);
    expect(traces.result.stderr).toMatch(
      /^upload-to-s3: open bucket \S+: .*\(SignatureDoesNotMatch, HTTP 403\); the secret key is wrong/m,
    );
    expect(traces.result.stderr).toMatch(/ debug\s+at /); // the stack trace --debug adds, a log line per frame
    expect(traces.result.stderr).toContain('debug request HeadBucketCommand');
    expect(findSecrets(traces, allSecrets())).toEqual([]);
  });

  it('a file that fails mid-run under --debug is reported without any key or token', async () => {
    proxy.setRules([{ match: { operation: 'HeadBucket' }, action: 'hold' }]);
    const traces = await runAndGather({
      configPath: await writeSecretConfig(env.secretAccessKey),
      withLogFile: true,
      extra: ['--force'],
      // planning is over once HeadBucket is sent: grow one planned file while the request is held
      during: async () => {
        while (proxy.held() === 0) await sleep(20);
        await appendFile(path.join(project, ...CHANGED_REL.split('/')), 'crew: 2\n');
        proxy.release();
      },
    });
    proxy.setRules([]);

    expect(traces.result.code, traces.result.stderr).toBe(1);
    const { logCsv, statusJson } = defaultRunFiles(traces.stateDir, bucket, PROJECT_KEY);
    const rows = await readLogRows(logCsv);
    expect(countOutcomes(rows)).toEqual({ uploaded: 3, skipped: 0, failed: 1 });
    const failed = rows.find((row) => row.outcome === 'failed');
    expect(failed).toMatchObject({ key: `${PROJECT_KEY}/${CHANGED_REL}`, reason: 'source error' });
    expect(failed?.error).toMatch(/changed/);
    const status = await readStatusJson(statusJson);
    expect(status).toMatchObject({ phase: 'failed', errors: [{ key: `${PROJECT_KEY}/${CHANGED_REL}` }] });
    expect(traces.result.stderr).toContain(`-> ${PROJECT_KEY}/${CHANGED_REL}: `);
    expect(findSecrets(traces, allSecrets())).toEqual([]);
  });

  it('an upload stopped mid-file by Ctrl+C twice under --debug leaves no key or token in its journal or output', async () => {
    const traces = await runAndGather({
      configPath: await writeSecretConfig(env.secretAccessKey),
      withLogFile: false,
      // slow, so the multipart upload is still open when it is stopped and its journal stays
      extra: ['--force', '--max-bandwidth', '1MiB/s'],
      during: async (running) => {
        await running.waitForOutput(/debug request UploadPartCommand/, 60_000);
        running.child.kill('SIGINT');
        await running.waitForOutput(/Ctrl\+C again to stop at once/, 30_000);
        running.child.kill('SIGINT');
      },
    });

    expect(traces.result.code, traces.result.stderr).toBe(130);
    expect([...traces.texts.keys()]).toContainEqual(expect.stringMatching(/journals\/[^/]+\.json$/));
    expect(findSecrets(traces, allSecrets())).toEqual([]);
  });
});
