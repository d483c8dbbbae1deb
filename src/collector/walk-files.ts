import type { Dirent, Stats } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { describeFsError } from '../errors.js';
import type { ChangeStamp } from '../content/file-identity.js';
import type { LeftOutFile } from './left-out.js';
import { findLinkLoop, type WalkedFolders } from './link-loop.js';

/** A regular file found under a root, with its path relative to that root. */
export interface FoundFile extends ChangeStamp {
  path: string;
  relPath: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** A file or folder the walk could not read; reported, never fatal for the rest of the tree. */
export interface WalkProblem {
  path: string;
  error: string;
}

/** What the walk found: files to plan, entries it could not read, and entries it leaves out. */
export interface WalkResult {
  files: FoundFile[];
  problems: WalkProblem[];
  leftOut: LeftOutFile[];
}

/** Which files a walk takes, and how it records the ones it refuses. */
export interface WalkFilter {
  accept: (fileName: string) => boolean;
  refused: Omit<LeftOutFile, 'path'>;
}

/** The file-system calls the walk makes; tests pass a wrapper that fails chosen paths. */
export type WalkFs = Pick<typeof fsPromises, 'opendir' | 'stat' | 'lstat' | 'realpath'>;

/**
 * Lists regular files under `root` whose names pass `filter.accept`, sorted by relative path.
 * Links (symbolic links, Windows junctions) to files and to folders are followed, under the
 * link's name. A folder reached a second time through a link, or a link to a folder that holds
 * the root, is left out as a `link loop`; real folders are walked before linked ones, so the
 * files of a folder both present and linked keep their real path. Refused names are left out as
 * `filter.refused`, FIFOs, sockets and devices as `not a regular file` (never opened). Anything
 * unreadable, a broken link included, is a problem. Never throws for file-system errors.
 */
export async function walkFiles(
  root: string,
  filter: WalkFilter,
  fs: WalkFs = fsPromises,
): Promise<WalkResult> {
  const state: WalkState = { root, filter, fs, files: [], problems: [], leftOut: [], folders: [], links: [] };
  const rootRealPath = await resolveRoot(root, state);
  if (rootRealPath === undefined) return toResult(state);
  const walked: WalkedFolders = new Map();
  state.folders.push({ path: root, realPath: rootRealPath });
  // a link is followed only when no real folder is pending, so a folder both present and linked keeps its real path
  for (let folder = nextFolder(state); folder !== undefined; folder = nextFolder(state)) {
    const loop = findLinkLoop(folder.realPath, walked, rootRealPath);
    if (loop !== undefined) {
      state.leftOut.push({ path: folder.path, reason: 'link loop', detail: loop });
      continue;
    }
    walked.set(folder.realPath, folder.path);
    await readFolder(folder, state);
  }
  return toResult(state);
}

interface PendingFolder {
  path: string;
  realPath: string;
}

interface WalkState extends WalkResult {
  root: string;
  filter: WalkFilter;
  fs: WalkFs;
  folders: PendingFolder[];
  links: PendingFolder[];
}

async function resolveRoot(root: string, state: WalkState): Promise<string | undefined> {
  try {
    return await state.fs.realpath(root);
  } catch (error) {
    state.problems.push({ path: root, error: describeFsError(error) });
    return undefined;
  }
}

function nextFolder(state: WalkState): PendingFolder | undefined {
  return state.folders.pop() ?? state.links.shift();
}

function toResult({ files, problems, leftOut }: WalkState): WalkResult {
  files.sort((a, b) => compare(a.relPath, b.relPath));
  leftOut.sort((a, b) => compare(a.path, b.path));
  return { files, problems, leftOut };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function readFolder(folder: PendingFolder, state: WalkState): Promise<void> {
  try {
    for await (const entry of await state.fs.opendir(folder.path)) await readEntry(folder, entry, state);
  } catch (error) {
    state.problems.push({ path: folder.path, error: describeFsError(error) });
  }
}

async function readEntry(folder: PendingFolder, entry: Dirent, state: WalkState): Promise<void> {
  const full = path.join(folder.path, entry.name);
  if (entry.isDirectory()) {
    state.folders.push({ path: full, realPath: path.join(folder.realPath, entry.name) });
  } else if (entry.isSymbolicLink()) {
    await readLink(full, entry.name, state);
  } else if (!entry.isFile()) {
    state.leftOut.push({ path: full, reason: 'not a regular file' });
  } else if (state.filter.accept(entry.name)) {
    await statFile(full, entry.name, state);
  } else {
    state.leftOut.push({ path: full, ...state.filter.refused });
  }
}

/** A link's target decides what it is, so it is looked at whatever its name. */
async function readLink(full: string, name: string, state: WalkState): Promise<void> {
  try {
    const info = await state.fs.stat(full);
    if (info.isDirectory()) state.links.push({ path: full, realPath: await state.fs.realpath(full) });
    else addFile(full, name, info, state);
  } catch (error) {
    await recordUnreadable(full, error, state);
  }
}

async function statFile(full: string, name: string, state: WalkState): Promise<void> {
  try {
    addFile(full, name, await state.fs.stat(full), state);
  } catch (error) {
    await recordUnreadable(full, error, state);
  }
}

function addFile(full: string, name: string, info: Stats, state: WalkState): void {
  if (!info.isFile()) {
    state.leftOut.push({ path: full, reason: 'not a regular file' });
  } else if (!state.filter.accept(name)) {
    state.leftOut.push({ path: full, ...state.filter.refused });
  } else {
    const relPath = path.relative(state.root, full).split(path.sep).join('/');
    state.files.push({
      path: full,
      relPath,
      sizeBytes: info.size,
      mtimeMs: Math.floor(info.mtimeMs),
      ctimeMs: Math.floor(info.ctimeMs),
      ino: info.ino,
    });
  }
}

async function recordUnreadable(full: string, error: unknown, state: WalkState): Promise<void> {
  const broken = await isDanglingLink(full, error, state.fs);
  state.problems.push({ path: full, error: broken ? BROKEN_LINK_ERROR : describeFsError(error) });
}

/** The problem recorded for a symbolic link (or junction) whose target does not exist. */
export const BROKEN_LINK_ERROR = 'broken symbolic link, its target does not exist (ENOENT)';

/** ENOENT from stat on a name the folder listing just returned means a symbolic link to nothing. */
async function isDanglingLink(full: string, error: unknown, fs: WalkFs): Promise<boolean> {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  return fs.lstat(full).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
}
