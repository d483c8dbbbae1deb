/**
 * True when a process with this pid exists on this machine, whoever owns it. `signal` is `process.kill`
 * unless a test stands in for the OS.
 */
export function isProcessAlive(
  pid: number,
  signal: (pid: number, signal: 0) => unknown = (target, zero) => process.kill(target, zero),
): boolean {
  try {
    signal(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else (a SYSTEM task seen from a user's run)
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
