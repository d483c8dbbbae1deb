/**
 * The endpoint the clients upload to, behind one interface: the project's local Ceph RGW (a real S3 server)
 * or, with `--sink`, the discard-everything sink (client cost only). Both report the server's CPU seconds
 * and the requests it has answered, which the benchmark reads before and after every run.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTotalCpuSeconds } from './proc-stats.mjs';
import { countObjects, makeAdminClient } from './s3-admin.mjs';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL_S3 = path.join(PROJECT_ROOT, 'scripts', 'local-s3.sh');

/**
 * Starts (or reuses) the Ceph RGW on `rgwPort`/`monPort`. Returns the server interface:
 * `{ kind, endpoint, accessKeyId, secretAccessKey, describe, cpuSeconds(), counters(), contentsOf(bucket),
 * admin, stop() }`, where counters() is `{ requests, putBytes }` (requests answered, request body bytes taken
 * in by PUTs) since the server started. A server this call did not start is left running by stop(), as is any with `keep`.
 */
export async function startRgw({ rgwPort, monPort, keep, log }) {
  const env = {
    ...process.env,
    RGW_PORT: String(rgwPort),
    MON_PORT: String(monPort),
    STORE_GIB: process.env.STORE_GIB || '40',
  };
  const wasRunning = (await runLocalS3('status', env)).code === 0;
  const started = await runLocalS3('start', env);
  const match = /ENDPOINT=(\S+) ACCESS_KEY=(\S+) SECRET_KEY=(\S+)/.exec(started.stdout);
  if (started.code !== 0 || !match)
    throw new Error(`start Ceph RGW on ${rgwPort}: scripts/local-s3.sh start failed; see its log above`);
  const state = await readInstanceState(rgwPort);
  const credentials = { endpoint: match[1], accessKeyId: match[2], secretAccessKey: match[3] };
  const admin = makeAdminClient(credentials);
  const asok = path.join(state.cephDir, 'run', 'ceph-client.rgw.a.asok');
  log(`Ceph RGW at ${credentials.endpoint} (daemon pids ${state.pids.join(' ')})`);
  return {
    kind: 'rgw',
    ...credentials,
    describe: `local Ceph RGW (${state.version}, one OSD on bluestore in a sparse file, same machine)`,
    cpuSeconds: () => readTotalCpuSeconds(state.pids),
    counters: async () => {
      const { rgw } = await perfDump(asok);
      return { requests: rgw.req, putBytes: rgw.put_b };
    },
    contentsOf: (bucket) => countObjects(admin, bucket),
    admin,
    stop: async () => {
      admin.destroy();
      if (wasRunning || keep) return log(`leaving the Ceph RGW on ${rgwPort} running`);
      await runLocalS3('stop', env);
    },
  };
}

/** Starts bench/sink-server.mjs on a free port; the same interface as {@link startRgw}. */
export async function startSink({ log }) {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bench', 'sink-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text) => {
      const match = /SINK=(\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sink server exited with ${code} before it listened`)));
  });
  const credentials = {
    endpoint,
    accessKeyId: 'SINKACCESSKEY0000001',
    secretAccessKey: 'sinkSecretKey00000000000000000000000001',
  };
  log(`sink at ${endpoint} (pid ${child.pid})`);
  return {
    kind: 'sink',
    ...credentials,
    describe:
      'bench/sink-server.mjs: discards bodies (MD5 only, for ETags), stores nothing; measures clients only',
    cpuSeconds: () => readTotalCpuSeconds([child.pid]),
    counters: async () => {
      const stats = await sinkStats(endpoint);
      return { requests: stats.requests, putBytes: stats.bodyBytes };
    },
    contentsOf: async (bucket) => (await sinkStats(endpoint)).buckets[bucket] ?? { objects: 0, bytes: 0 },
    admin: makeAdminClient(credentials),
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

function runLocalS3(command, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [LOCAL_S3, command], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

/** CEPH_DIR and CEPH_PIDS from .run/ceph-rgw-PORT.env (bash-quoted, so bash reads it), and the Ceph version. */
async function readInstanceState(rgwPort) {
  const envFile = path.join(PROJECT_ROOT, '.run', `ceph-rgw-${rgwPort}.env`);
  const script = `. "$1"; echo "$CEPH_DIR"; echo "$CEPH_PIDS"; ceph --version | awk '{print $3, $5}'`;
  const out = await new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, '_', envFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (text += chunk));
    child.once('error', reject);
    child.once('close', () => resolve(text));
  });
  const [cephDir = '', pids = '', version = 'ceph'] = out.trim().split('\n');
  return { cephDir, pids: pids.split(' ').filter(Boolean).map(Number), version: `Ceph ${version}` };
}

/**
 * `perf dump` over the daemon's admin socket, speaking its protocol directly (a JSON command ending in NUL;
 * the answer is a 4-byte big-endian length and JSON): the `ceph` CLI would take 2 s of Python per read.
 */
function perfDump(asokPath) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(asokPath);
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      const answer = Buffer.concat(chunks);
      resolve(JSON.parse(answer.subarray(4, 4 + answer.readUInt32BE(0)).toString('utf8')));
    });
    socket.write(`${JSON.stringify({ prefix: 'perf dump' })}\0`);
  });
}

function sinkStats(endpoint) {
  return new Promise((resolve, reject) => {
    http
      .get(`${endpoint}/__sink/stats`, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.once('end', () => resolve(JSON.parse(text)));
      })
      .once('error', reject);
  });
}
