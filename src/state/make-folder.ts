import fs from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { openIfMachineStateDir } from '../config/state-dir.js';

/** Told of each folder {@link makeFolder} created, right after, before any folder inside it. */
export type OnCreated = (folder: string) => void;

/**
 * Creates `dir` and its missing parents, one level at a time, and resolves once it is a folder. Unlike
 * `mkdir(dir, { recursive: true })` it always ends: Node's recursive mkdir loops forever where the kernel answers
 * ENOENT for a parent that exists (under /proc, say), burning a core and deaf to SIGTERM.
 * Each level it creates is passed to `onCreated`: by default the machine-wide state folder is opened to every
 * account there, whichever file of the run comes first to need it.
 * @throws the fs error of the level that cannot be created (ENOENT, EACCES, EROFS), or ENOTDIR when a level is a
 * file; what `onCreated` throws.
 */
export async function makeFolder(dir: string, onCreated: OnCreated = openIfMachineStateDir): Promise<void> {
  const missing = await missingLevels(path.resolve(dir));
  for (const level of missing) if (await mkdirOnce(level)) onCreated(level);
}

/** {@link makeFolder}, blocking: for set-up code that runs before anything asynchronous. */
export function makeFolderSync(dir: string, onCreated: OnCreated = openIfMachineStateDir): void {
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
      continue;
    }
    onCreated(level);
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

/** Creates one level; true when this call created it. */
async function mkdirOnce(level: string): Promise<boolean> {
  try {
    await mkdir(level);
    return true;
  } catch (error) {
    // another process may have made it in between: that is as good
    if (!isExisting(error) || (await kindOf(level)) !== 'folder') throw error;
    return false;
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
