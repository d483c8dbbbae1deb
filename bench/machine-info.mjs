/** What the report says about the machine: CPU, cores, memory, OS, Node, and how busy it was. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** `{ cpuModel, nproc, freeH, os, kernel, node, loadAverage }`, read now. */
export function describeMachine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    nproc: run('nproc', []) ?? String(os.availableParallelism()),
    freeH: run('free', ['-h']) ?? `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB total`,
    os: /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? os.type(),
    kernel: os.release(),
    node: process.version,
    loadAverage: readLoadAverage(),
  };
}

/** The 1, 5 and 15 minute load averages as text. */
export function readLoadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trimEnd();
  } catch {
    return undefined;
  }
}
