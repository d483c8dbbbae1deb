import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../process-alive.js';
import { parseTempName } from './replace-file.js';

/**
 * A temp file younger than this may be a write in progress by another machine sharing the folder, whose pid
 * means nothing here; a replace takes seconds at most, even of a 25 MB hash cache on a slow network share.
 */
export const ORPHAN_MIN_AGE_MS = 10 * 60 * 1000;

export interface OrphanSweepOptions {
  /** Only temp files made to replace the file of this base name (a status file beside a user's own files). */
  target?: string;
  isAlive?: (pid: number) => boolean;
  nowMs?: number;
}

/**
 * Removes the temp files that {@link replaceFile} leaves in `folder` when its process is killed between writing
 * one and renaming it over its target (a journal, the hash cache, a status file or a log, each up to tens of MB):
 * those whose writer is no longer running and which are older than {@link ORPHAN_MIN_AGE_MS}. Returns the paths
 * removed. Never throws: a temp file left behind costs only disk space, and a folder that cannot be read has none
 * to remove.
 */
export async function removeOrphanedTemps(
  folder: string,
  { target, isAlive = (pid) => isProcessAlive(pid), nowMs = Date.now() }: OrphanSweepOptions = {},
): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const temp = parseTempName(name);
    if (!temp || (target !== undefined && temp.target !== target) || isAlive(temp.pid)) continue;
    const file = path.join(folder, name);
    const modifiedMs = await stat(file).then(
      (stats) => (stats.isFile() ? stats.mtimeMs : undefined),
      () => undefined,
    );
    if (modifiedMs === undefined || nowMs - modifiedMs < ORPHAN_MIN_AGE_MS) continue;
    if (
      await rm(file).then(
        () => true,
        () => false,
      )
    )
      removed.push(file);
  }
  return removed;
}

/** The state folder's subfolders whose files are replaced whole: upload journals and run locks. */
const REPLACED_IN = ['journals', 'locks'];

/**
 * {@link removeOrphanedTemps} over what a run writes: the state folder (hash cache, part size limits), its
 * journals and locks, and beside each of `files` (status file, CSV log) the temp files made for that file only.
 */
export async function removeOrphanedRunTemps(
  stateDir: string,
  files: readonly string[],
  options: Omit<OrphanSweepOptions, 'target'> = {},
): Promise<string[]> {
  const folders = [stateDir, ...REPLACED_IN.map((name) => path.join(stateDir, name))];
  const sweeps = folders.map((folder) => removeOrphanedTemps(folder, options));
  for (const file of files) {
    sweeps.push(removeOrphanedTemps(path.dirname(file), { ...options, target: path.basename(file) }));
  }
  return (await Promise.all(sweeps)).flat();
}
