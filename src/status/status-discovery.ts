import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseLockHolder } from '../lock-holder.js';

/** A status file found without being named, with what it says about its run. */
export interface FoundStatus {
  path: string;
  /** From the folder a run's file sits in (`runs/<bucket>/<project>/`), else from the file. */
  projectKey: string | undefined;
  /** When the run last wrote it. */
  modifiedMs: number;
}

/**
 * The status files in the state folders: every run's default one (`runs/<bucket>/<project>/status.json`), every
 * scheduled task's (`tasks/<task>/status.json`) and the one each run holding a lock there writes (wherever
 * `--status-json` put it), plus `named` (a `status_json` the config or environment sets), newest first. Folders that do not exist or cannot be read are passed over: a state folder is made by
 * the first run, and another account's may be closed to this one.
 */
export async function findStatusFiles(
  stateDirs: readonly string[],
  named: readonly string[] = [],
): Promise<FoundStatus[]> {
  // a run's default file sits in a folder named after its project: its key needs no read of the file
  const candidates = new Map<string, string | undefined>(
    named.map((file) => [path.resolve(file), undefined]),
  );
  for (const stateDir of stateDirs) {
    for (const bucket of await subfolders(path.join(stateDir, 'runs')))
      for (const project of await subfolders(bucket))
        candidates.set(path.join(project, 'status.json'), path.basename(project));
    for (const task of await subfolders(path.join(stateDir, 'tasks')))
      candidates.set(path.join(task, 'status.json'), undefined);
    for (const file of await lockedStatusFiles(stateDir))
      if (!candidates.has(file)) candidates.set(file, undefined);
  }
  const found = await Promise.all(
    [...candidates].map(([file, projectKey]) => describeStatusFile(file, projectKey)),
  );
  return found
    .filter((entry): entry is FoundStatus => entry !== undefined)
    .sort((a, b) => b.modifiedMs - a.modifiedMs);
}

/** The files of one project, by the key a file names or, for older files, the run folder it sits in. */
export function statusFilesOf(found: readonly FoundStatus[], projectKey: string): FoundStatus[] {
  const wanted = projectKey.toLowerCase();
  return found.filter((entry) => entry.projectKey?.toLowerCase() === wanted);
}

/** The status files the locks in `stateDir` name: a running upload's, whatever folder its status file is in. */
async function lockedStatusFiles(stateDir: string): Promise<string[]> {
  const folder = path.join(stateDir, 'locks');
  const names = await readdir(folder).catch(() => [] as string[]);
  const files: string[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.lock'))) {
    const text = await readFile(path.join(folder, name), 'utf8').catch(() => undefined);
    const statusFile = text === undefined ? undefined : parseLockHolder(text, '')?.statusFile;
    if (statusFile !== undefined) files.push(path.resolve(statusFile));
  }
  return files;
}

async function subfolders(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(folder, entry.name));
}

async function describeStatusFile(
  file: string,
  runFolderKey: string | undefined,
): Promise<FoundStatus | undefined> {
  const stats = await stat(file).catch(() => undefined);
  if (!stats?.isFile()) return undefined;
  return { path: file, projectKey: runFolderKey ?? (await projectKeyIn(file)), modifiedMs: stats.mtimeMs };
}

/** The key a task's or a named status file gives (`project_key`, written since 0.2.0). */
async function projectKeyIn(file: string): Promise<string | undefined> {
  try {
    const key = (JSON.parse(await readFile(file, 'utf8')) as { project_key?: unknown } | null)?.project_key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    // a file being replaced, or not a status file: shown without a key
    return undefined;
  }
}
