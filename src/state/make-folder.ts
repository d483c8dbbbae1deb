import fs from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates `dir` and its missing parents, one level at a time, and resolves once it is a folder. Unlike
 * `mkdir(dir, { recursive: true })` it always ends: Node's recursive mkdir loops forever where the kernel answers
 * ENOENT for a parent that exists (under /proc, say), burning a core and deaf to SIGTERM.
 * @throws the fs error of the level that cannot be created (ENOENT, EACCES, EROFS), or ENOTDIR when a level is a
 * file.
 */
export async function makeFolder(dir: string): Promise<void> {
  const missing = await missingLevels(path.resolve(dir));
  for (const level of missing) await mkdirOnce(level);
}

/** {@link makeFolder}, blocking: for set-up code that runs before anything asynchronous. */
export function makeFolderSync(dir: string): void {
  const missing: string[] = [];
  for (let level = path.resolve(dir); ; level = path.dirname(level)) {
    const kind = kindSync(level);
    if (kind === 'folder') break;
    if (kind === 'file') throw notAFolder(level);
    missing.unshift(level);
    if (path.dirname(level) === level) break;
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      if (!isExisting(error) || kindSync(level) !== 'folder') throw error;
    }
  }
}

/** The levels of `dir` that do not exist yet, outermost first. @throws ENOTDIR when a level is a file. */
async function missingLevels(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let level = dir; ; level = path.dirname(level)) {
    const kind = await kindOf(level);
    if (kind === 'folder') return missing;
    if (kind === 'file') throw notAFolder(level);
    missing.unshift(level);
    if (path.dirname(level) === level) return missing;
  }
}

async function mkdirOnce(level: string): Promise<void> {
  try {
    await mkdir(level);
  } catch (error) {
    // another process may have made it in between: that is as good
    if (!isExisting(error) || (await kindOf(level)) !== 'folder') throw error;
  }
}

type Kind = 'folder' | 'file' | 'none';

async function kindOf(level: string): Promise<Kind> {
  try {
    return (await stat(level)).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    if (isMissing(error)) return 'none';
    throw error;
  }
}

function kindSync(level: string): Kind {
  try {
    return fs.statSync(level).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    if (isMissing(error)) return 'none';
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function isExisting(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

function notAFolder(level: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, mkdir '${level}'`);
  error.code = 'ENOTDIR';
  error.path = level;
  return error;
}
