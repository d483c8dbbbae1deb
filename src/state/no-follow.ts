import { closeSync, constants, openSync, writeFileSync } from 'node:fs';

/**
 * `O_NOFOLLOW` where the system has one (Linux, macOS): opening a name that is a symbolic link then fails with ELOOP
 * instead of opening what it points to. Windows has no such flag (0); there, creating a symbolic link takes a
 * privilege ordinary accounts lack.
 */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * How a log the run appends to is opened (created when missing): never through a symbolic link at its name, which
 * another account could have put in a shared folder to make a root or SYSTEM run write into a file of its choice.
 */
export const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;

/** {@link APPEND_NO_FOLLOW}, also for reading (the CSV log checks its tail before appending). */
export const READ_APPEND_NO_FOLLOW = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;

/** Appends `text` to `file` (created when missing) as {@link APPEND_NO_FOLLOW} opens it. @throws the fs error. */
export function appendNoFollowSync(file: string, text: string): void {
  const fd = openSync(file, APPEND_NO_FOLLOW, 0o666);
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
