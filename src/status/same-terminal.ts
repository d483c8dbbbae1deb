import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * Whether two file descriptors write to the same terminal: both are terminals and, where the system names the
 * device (not on Windows, where fstat gives none), the same one. `upload-to-s3 ... 2> warn.err` in a terminal
 * gives false: stderr goes to a file.
 */
export function isSameTerminal(fd: number, otherFd: number): boolean {
  if (!isatty(fd) || !isatty(otherFd)) return false;
  try {
    const [one, other] = [fstatSync(fd), fstatSync(otherFd)];
    return one.rdev === 0 || other.rdev === 0 || one.rdev === other.rdev;
  } catch {
    return true;
  }
}
