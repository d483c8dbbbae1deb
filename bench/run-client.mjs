/**
 * One measured run of one client: a fresh bucket, the server's CPU and counters read just before and just
 * after, the client measured (see measure.mjs), then a check that the bucket holds exactly what it should.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runMeasured } from './measure.mjs';
import { readMachineBusySeconds } from './proc-stats.mjs';
import { createFreshBucket, deleteBucket } from './s3-admin.mjs';

/**
 * Runs `client` on `dataset` and returns its record. `bucket` is created first unless `keepBucket` says it
 * is already filled (reruns); it is deleted afterwards unless `keepBucket`. `runDir` keeps the client's log
 * and state; it is removed after a good run unless `keepRunDir`.
 */
export async function runClient({
  client,
  set,
  round,
  dataset,
  server,
  work,
  bucket,
  runDir,
  keepBucket = false,
  keepRunDir = false,
}) {
  await mkdir(runDir, { recursive: true });
  if (!keepBucket) await createFreshBucket(server.admin, bucket);
  const run = { server, bucket, dataset, runDir, work };
  const { command, args, env, display } = await client.command(run);
  const before = await readServer(server);
  const measured = await runMeasured({
    command,
    args,
    env,
    cwd: runDir,
    logPath: path.join(runDir, 'client.log'),
  });
  const after = await readServer(server);
  const expected = expectedContents(client, dataset);
  const found = expected ? await server.contentsOf(bucket) : undefined;
  const problem = describeProblem(measured, expected, found);
  if (!keepBucket) await deleteBucket(server.admin, bucket);
  if (!problem && !keepRunDir) await rm(runDir, { recursive: true, force: true });
  const clientCpu = measured.userSeconds + measured.systemSeconds;
  const serverCpu = after.cpuSeconds - before.cpuSeconds;
  return {
    set,
    round,
    client: client.id,
    label: client.label,
    role: client.role,
    display,
    ok: !problem,
    problem,
    logTail: problem ? measured.logTail : undefined,
    bytes: client.dryRun ? dataset.bytes : (expected?.bytes ?? dataset.bytes),
    files: client.dryRun ? dataset.files : (expected?.objects ?? dataset.files),
    wallSeconds: measured.wallSeconds,
    userSeconds: measured.userSeconds,
    systemSeconds: measured.systemSeconds,
    clientCpuSeconds: clientCpu,
    peakRssBytes: measured.peakRssBytes,
    rcharBytes: measured.rcharBytes,
    diskReadBytes: measured.diskReadBytes,
    sampled: measured.sampled,
    serverCpuSeconds: serverCpu,
    otherCpuSeconds: Math.max(0, after.busySeconds - before.busySeconds - clientCpu - serverCpu),
    requests: after.requests - before.requests,
    putBytes: after.putBytes - before.putBytes,
    found,
  };
}

async function readServer(server) {
  const [cpuSeconds, counters, busySeconds] = await Promise.all([
    server.cpuSeconds(),
    server.counters(),
    readMachineBusySeconds(),
  ]);
  return { cpuSeconds, busySeconds, ...counters };
}

/**
 * What the bucket must hold afterwards: the whole dataset, the one reel curl sends, or nothing after a dry
 * run; nothing to check for cat.
 */
function expectedContents(client, dataset) {
  if (client.dryRun) return { objects: 0, bytes: 0 };
  if (client.role === 'reference' && !client.singleFile) return undefined;
  if (client.singleFile) return { objects: 1, bytes: dataset.reelBytes[0] };
  return { objects: dataset.files, bytes: dataset.bytes };
}

function describeProblem(measured, expected, found) {
  if (measured.exitCode !== 0) return `exit code ${measured.exitCode}`;
  if (!Number.isFinite(measured.userSeconds + measured.peakRssBytes)) return 'GNU time gave no figures';
  if (expected && (found.objects !== expected.objects || found.bytes !== expected.bytes)) {
    return `bucket holds ${found.objects} objects, ${found.bytes} bytes; expected ${expected.objects}, ${expected.bytes}`;
  }
  return undefined;
}
