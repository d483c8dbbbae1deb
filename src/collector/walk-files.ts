import * as fs from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { describeFsError } from '../errors.js';
import type { LeftOutFile } from './left-out.js';
import { findLinkLoop, markWalked, type WalkedFolders } from './link-loop.js';

/**
 * A file the run cannot send, reported and never fatal for the rest of the tree: a file or folder the walk could not
 * read (`read`), or a file whose path makes no valid object key (`key`: too long, leaving its folder, or the key
 * of another file).
 */
export interface WalkProblem {
  path: string;
  error: string;
  cause: 'read' | 'key';
  /** The file's size, when the walk read it (a file with no valid key): the failed row says how much is not sent. */
  sizeBytes?: number;
}

/** What the walk found: the records of the files it takes, entries it could not read, and entries it leaves out. */
export interface WalkResult<T> {
  files: T[];
  problems: WalkProblem[];
  leftOut: LeftOutFile[];
}

/**
 * The record a walk keeps for a file it takes, made from its full path, its path relative to the root and its
 * stat; called once per file, so a caller that keeps only what it needs holds one object per file, not two.
 */
export type KeepFile<T> = (path: string, relPath: string, info: Stats) => T;

/** Which files a walk takes, what it keeps of each, and how it records the ones it refuses. */
export interface WalkFilter<T> {
  accept: (fileName: string) => boolean;
  keep: KeepFile<T>;
  refused: Omit<LeftOutFile, 'path'>;
}

/** The file-system calls the walk makes (synchronous ones); tests pass a wrapper that fails chosen paths. */
export interface WalkFs {
  readdir(folder: string): Dirent[];
  stat(file: string): Stats;
  lstat(file: string): Stats;
  realpath(file: string): string;
}

const NODE_FS: WalkFs = {
  readdir: (folder) => fs.readdirSync(folder, { withFileTypes: true }),
  stat: (file) => fs.statSync(file),
  lstat: (file) => fs.lstatSync(file),
  realpath: (file) => fs.realpathSync(file),
};

/**
 * File-system calls made between two turns of the event loop. The walk calls the file system synchronously:
 * one stat through the thread pool per file cost several times the CPU of the stat itself (100,000 files:
 * seconds of system time). A turn every so many calls lets timers (heartbeat) and signals through.
 */
const CALLS_PER_TURN = 256;

/**
 * Lists regular files under `root` whose names pass `filter.accept`, sorted by relative path.
 * Links (symbolic links, Windows junctions) to files and to folders are followed, under the
 * link's name. A folder reached a second time through a link, or a link to a folder that holds
 * the root, is left out as a `link loop`; real folders are walked before linked ones, so the
 * files of a folder both present and linked keep their real path. Refused names are left out as
 * `filter.refused`, FIFOs, sockets and devices as `not a regular file` (never opened), a drive's recycle bin and
 * other folders of the operating system as `system folder` (never read), macOS's `._` files as `system file`. Anything
 * unreadable, a broken link included, is a problem. Never throws for file-system errors.
 */
export async function walkFiles<T extends { relPath: string }>(
  root: string,
  filter: WalkFilter<T>,
  fileSystem: WalkFs = NODE_FS,
): Promise<WalkResult<T>> {
  const state: WalkState<T> = {
    root,
    filter,
    fs: fileSystem,
    files: [],
    problems: [],
    leftOut: [],
    folders: [],
    links: [],
    callsThisTurn: 0,
  };
  const rootRealPath = resolveRoot(root, state);
  if (rootRealPath === undefined) return toResult(state);
  const walked: WalkedFolders = new Map();
  state.folders.push({ path: root, relPath: '', realPath: rootRealPath });
  // a link is followed only when no real folder is pending, so a folder both present and linked keeps its real path
  for (let folder = nextFolder(state); folder !== undefined; folder = nextFolder(state)) {
    const loop = findLinkLoop(folder.realPath, walked, rootRealPath);
    if (loop !== undefined) {
      state.leftOut.push({ path: folder.path, reason: 'link loop', detail: loop });
      continue;
    }
    markWalked(walked, folder.realPath, folder.path);
    await readFolder(folder, state);
  }
  return toResult(state);
}

/** A folder to walk: its path, its path relative to the root with '/' separators ('' for the root), its real path. */
interface PendingFolder {
  path: string;
  relPath: string;
  realPath: string;
}

interface WalkState<T> extends WalkResult<T> {
  root: string;
  filter: WalkFilter<T>;
  fs: WalkFs;
  folders: PendingFolder[];
  links: PendingFolder[];
  callsThisTurn: number;
}

function resolveRoot<T>(root: string, state: WalkState<T>): string | undefined {
  try {
    return state.fs.realpath(root);
  } catch (error) {
    state.problems.push({ path: root, error: describeFsError(error), cause: 'read' });
    return undefined;
  }
}

function nextFolder<T>(state: WalkState<T>): PendingFolder | undefined {
  return state.folders.pop() ?? state.links.shift();
}

function toResult<T extends { relPath: string }>({ files, problems, leftOut }: WalkState<T>): WalkResult<T> {
  files.sort((a, b) => compare(a.relPath, b.relPath));
  leftOut.sort((a, b) => compare(a.path, b.path));
  return { files, problems, leftOut };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function readFolder<T>(folder: PendingFolder, state: WalkState<T>): Promise<void> {
  let entries: Dirent[];
  state.callsThisTurn += 1;
  try {
    entries = state.fs.readdir(folder.path);
  } catch (error) {
    state.problems.push({
      path: folder.path,
      error: describeUnreadable(folder.path, error, state.fs),
      cause: 'read',
    });
    return;
  }
  for (const entry of entries) {
    readEntry(folder, entry, state);
    if (state.callsThisTurn >= CALLS_PER_TURN) {
      state.callsThisTurn = 0;
      await yieldToEventLoop();
    }
  }
}

function readEntry<T>(folder: PendingFolder, entry: Dirent, state: WalkState<T>): void {
  // below the root, folder paths are normalised already: joining by hand gives path.join's result for less
  const full =
    folder.relPath === '' ? path.join(folder.path, entry.name) : folder.path + path.sep + entry.name;
  // joined, not concatenated: `+` makes a cons string that holds both halves for as long as the plan keeps the
  // file (three objects per file); join makes one flat string
  const relPath = folder.relPath === '' ? entry.name : [folder.relPath, entry.name].join('/');
  if (entry.isDirectory() && isSystemFolder(entry.name)) {
    state.leftOut.push({ path: full, reason: 'system folder' });
  } else if (entry.isDirectory()) {
    state.folders.push({ path: full, relPath, realPath: path.join(folder.realPath, entry.name) });
  } else if (entry.isSymbolicLink()) {
    readLink(full, relPath, entry.name, state);
  } else if (!entry.isFile()) {
    state.leftOut.push({ path: full, reason: 'not a regular file' });
  } else if (isAppleDouble(entry.name)) {
    state.leftOut.push({ path: full, reason: 'system file' });
  } else if (state.filter.accept(entry.name)) {
    statFile(full, relPath, entry.name, state);
  } else {
    state.leftOut.push({ path: full, ...state.filter.refused });
  }
}

/**
 * Folders the operating system keeps at the root of a drive: a reels folder on a camera card or a USB drive
 * (`--folder E:\ --folder-type reels`) would otherwise send the recycle bin's deleted videos, and fail every run
 * on `System Volume Information` and `lost+found`, which only the system may read. Never survey data, at any depth.
 */
const SYSTEM_FOLDERS = new Set([
  'system volume information',
  '$recycle.bin',
  'recycler',
  'lost+found',
  '.trashes',
  '.spotlight-v100',
  '.fseventsd',
  '.temporaryitems',
]);

function isSystemFolder(name: string): boolean {
  const lower = name.toLowerCase();
  // Linux desktops keep one trash folder per user id at a drive's root
  return SYSTEM_FOLDERS.has(lower) || /^\.trash-\d+$/.test(lower);
}

/**
 * A file macOS writes beside each file it copies to a FAT or exFAT drive (a camera card, a USB disk), `._` and the
 * file's name, holding its Finder metadata: `._R001.mp4` would otherwise go up as a 4 KiB reel beside the real one.
 */
function isAppleDouble(name: string): boolean {
  return name.startsWith('._') && name.length > 2;
}

/** A link's target decides what it is, so it is looked at whatever its name. */
function readLink<T>(full: string, relPath: string, name: string, state: WalkState<T>): void {
  state.callsThisTurn += 1;
  try {
    const info = state.fs.stat(full);
    if (info.isDirectory()) state.links.push({ path: full, relPath, realPath: state.fs.realpath(full) });
    else addFile(full, relPath, name, info, state);
  } catch (error) {
    recordUnreadable(full, error, state);
  }
}

function statFile<T>(full: string, relPath: string, name: string, state: WalkState<T>): void {
  state.callsThisTurn += 1;
  try {
    addFile(full, relPath, name, state.fs.stat(full), state);
  } catch (error) {
    recordUnreadable(full, error, state);
  }
}

/** The walk's stat is the only one a planned file gets: its size and mtime are what every later step uses. */
function addFile<T>(full: string, relPath: string, name: string, info: Stats, state: WalkState<T>): void {
  if (!info.isFile()) {
    state.leftOut.push({ path: full, reason: 'not a regular file' });
  } else if (!state.filter.accept(name)) {
    state.leftOut.push({ path: full, ...state.filter.refused });
  } else {
    state.files.push(state.filter.keep(full, relPath, info));
  }
}

function recordUnreadable<T>(full: string, error: unknown, state: WalkState<T>): void {
  state.problems.push({ path: full, error: describeUnreadable(full, error, state.fs), cause: 'read' });
}

function describeUnreadable(full: string, error: unknown, fileSystem: WalkFs): string {
  if (isDanglingLink(full, error, fileSystem)) return BROKEN_LINK_ERROR;
  // Node reads names as UTF-8 and puts U+FFFD for bytes that are not: the name it gives opens nothing
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && full.includes('\uFFFD'))
    return NAME_NOT_UTF8_ERROR;
  return describeFsError(error);
}

/** The problem recorded for a symbolic link (or junction) whose target does not exist. */
export const BROKEN_LINK_ERROR = 'broken symbolic link, its target does not exist (ENOENT)';

/** The problem recorded for a file whose name has bytes that are not UTF-8 (Linux, a name from an old tool). */
export const NAME_NOT_UTF8_ERROR =
  'its name is not valid UTF-8, so it cannot be opened (shown with \uFFFD for each bad byte); rename it';

/** ENOENT from stat on a name the folder listing just returned means a symbolic link to nothing. */
function isDanglingLink(full: string, error: unknown, fileSystem: WalkFs): boolean {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  try {
    return fileSystem.lstat(full).isSymbolicLink();
  } catch {
    return false;
  }
}
