import { lstat, opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError } from '../errors.js';

/** A regular file found under a root, with its path relative to that root. */
export interface FoundFile {
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

/**
 * Lists regular files under `root` whose names pass `accept`, sorted by relative path.
 * Symbolic links to files are followed; links to folders are not, so a link loop cannot trap the walk.
 */
export async function walkFiles(
  root: string,
  accept: (fileName: string) => boolean,
): Promise<{ files: FoundFile[]; problems: WalkProblem[] }> {
  const files: FoundFile[] = [];
  const problems: WalkProblem[] = [];
  const pending = [root];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    await readFolder(folder, { root, accept, files, problems, pending });
  }
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files, problems };
}

interface WalkState {
  root: string;
  accept: (fileName: string) => boolean;
  files: FoundFile[];
  problems: WalkProblem[];
  pending: string[];
}

async function readFolder(folder: string, state: WalkState): Promise<void> {
  try {
    for await (const entry of await opendir(folder)) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) state.pending.push(full);
      else if ((entry.isFile() || entry.isSymbolicLink()) && state.accept(entry.name))
        await addFile(full, state);
    }
  } catch (error) {
    state.problems.push({ path: folder, error: describeFsError(error) });
  }
}

async function addFile(full: string, state: WalkState): Promise<void> {
  try {
    const info = await stat(full);
    if (!info.isFile()) return;
    const relPath = path.relative(state.root, full).split(path.sep).join('/');
    state.files.push({ path: full, relPath, sizeBytes: info.size, mtimeMs: Math.floor(info.mtimeMs) });
  } catch (error) {
    state.problems.push({
      path: full,
      error: (await isDanglingLink(full, error)) ? BROKEN_LINK : describeFsError(error),
    });
  }
}

const BROKEN_LINK = 'broken symbolic link, its target does not exist (ENOENT)';

/** ENOENT from stat on a name the folder listing just returned means a symbolic link to nothing. */
async function isDanglingLink(full: string, error: unknown): Promise<boolean> {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  return lstat(full).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
}
