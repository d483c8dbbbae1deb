import { readFileSync } from 'node:fs';
import { parseProcessState } from './process-start-time.js';

/**
 * True when a process with this pid exists on this machine, whoever owns it, and has not ended. `signal` is
 * `process.kill` and `state` reads Linux's process state unless a test stands in for the OS.
 */
export function isProcessAlive(
  pid: number,
  signal: (pid: number, signal: 0) => unknown = (target, zero) => process.kill(target, zero),
  state: (pid: number) => string | undefined = readLinuxProcessState,
): boolean {
  try {
    signal(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else (a SYSTEM task seen from a user's run)
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie has ended and holds nothing: a run killed in a container whose first process reaps no children
  // stays one until the container stops
  return state(pid) !== 'Z';
}

/** The state letter in `/proc/<pid>/stat`; undefined off Linux or when it cannot be read. */
function readLinuxProcessState(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return parseProcessState(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
