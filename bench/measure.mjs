/**
 * Runs one client command and measures it: wall time, user and system CPU, peak RSS, and the bytes it read.
 *
 * CPU and peak RSS come from GNU time (`/usr/bin/time -f '%e %U %S %M'`), which takes them from wait4() and
 * so counts every thread and every process the client waited for. Without GNU time the child's /proc entry
 * is sampled every 50 ms instead (the last 50 ms are missed; the report marks such figures with `~`).
 * Bytes read are the change in this process's /proc/self/io across the run: the kernel adds a reaped
 * child's counters to its parent's, and this process does no other I/O while a client runs (the client's
 * output goes straight to a log file, not through a pipe).
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { readSelfIo, sampleProcess } from './proc-stats.mjs';

const GNU_TIME = '/usr/bin/time';
const SAMPLE_INTERVAL_MS = 50;
const LOG_TAIL_BYTES = 2000;
const running = new Set();

/** True when GNU time is there to measure exactly. */
export function hasGnuTime() {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `command args` with `env`, output to `logPath`, and resolves with its measurements:
 * `{ exitCode, wallSeconds, userSeconds, systemSeconds, peakRssBytes, rcharBytes, diskReadBytes, sampled,
 * logTail }`. The process group is killed after `timeoutMs`.
 */
export async function runMeasured({ command, args, env, cwd, logPath, timeoutMs = 3_600_000 }) {
  const exact = hasGnuTime();
  const timePath = `${logPath}.time`;
  const [file, fileArgs] = exact
    ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timePath, '--', command, ...args]]
    : [command, args];
  const ioBefore = await readSelfIo();
  const { exitCode, wallSeconds, samples } = await runChild(file, fileArgs, {
    env,
    cwd,
    logPath,
    timeoutMs,
    sample: !exact,
  });
  const ioAfter = await readSelfIo();
  const usage = exact ? await readGnuTime(timePath) : samples;
  return {
    exitCode,
    wallSeconds,
    ...usage,
    rcharBytes: ioAfter.rchar - ioBefore.rchar,
    diskReadBytes: ioAfter.readBytes - ioBefore.readBytes,
    sampled: !exact,
    logTail: await readTail(logPath),
  };
}

function runChild(file, args, { env, cwd, logPath, timeoutMs, sample }) {
  const logFd = openSync(logPath, 'w');
  const started = performance.now();
  const child = spawn(file, args, { env, cwd, stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  running.add(child.pid);
  const samples = { userSeconds: 0, systemSeconds: 0, peakRssBytes: 0 };
  const sampler = sample
    ? setInterval(() => void sampleInto(child.pid, samples), SAMPLE_INTERVAL_MS)
    : undefined;
  const timer = setTimeout(() => killGroup(child.pid), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const wallSeconds = (performance.now() - started) / 1000;
      running.delete(child.pid);
      clearTimeout(timer);
      clearInterval(sampler);
      resolve({ exitCode: code ?? (signal ? 128 : 1), wallSeconds, samples });
    });
  });
}

async function sampleInto(pid, samples) {
  const now = await sampleProcess(pid);
  if (now.userSeconds + now.systemSeconds === 0 && now.peakRssBytes === 0) return; // exited meanwhile
  samples.userSeconds = Math.max(samples.userSeconds, now.userSeconds);
  samples.systemSeconds = Math.max(samples.systemSeconds, now.systemSeconds);
  samples.peakRssBytes = Math.max(samples.peakRssBytes, now.peakRssBytes);
}

/** Kills the process group of every client still running (on Ctrl+C of the benchmark). */
export function killRunningClients() {
  for (const pid of running) killGroup(pid);
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Parses the one line `-f '%e %U %S %M'` writes (a failing command adds a "Command exited" line first).
 * A missing or garbled file gives NaN figures, which the run's record reports as a problem.
 */
async function readGnuTime(timePath) {
  const text = await readFile(timePath, 'utf8').catch(() => '');
  await rm(timePath, { force: true });
  const fields = (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  const [, userSeconds, systemSeconds, maxRssKiB] = fields.length === 4 ? fields : [NaN, NaN, NaN, NaN];
  return { userSeconds, systemSeconds, peakRssBytes: maxRssKiB * 1024 };
}

async function readTail(logPath) {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  return text.slice(-LOG_TAIL_BYTES);
}
