import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, UploadError } from '../errors.js';
import { hasAllowedExtension, listFolderTypes, type FolderTypeMap } from './folder-types.js';
import { buildObjectKey } from './object-key.js';
import { walkFiles, type WalkProblem } from './walk-files.js';

/** One file to upload and the key it goes to. `group` is its folder type. */
export interface UploadTask {
  group: string;
  path: string;
  relPath: string;
  key: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** What to plan: the folder, which types, and how keys are built. */
export interface PlanRequest {
  folder: string;
  folderTypes: FolderTypeMap;
  projectKey: string;
  prefix: string;
  timestamp?: string | undefined;
  folderType?: string | undefined;
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

/** The planned upload: tasks by folder type in canonical order, plus files that could not be read. */
export interface UploadPlan {
  groups: Map<string, UploadTask[]>;
  problems: WalkProblem[];
}

/**
 * Plans the upload (the seed's `collect_multi_type_tasks`): resolves which folder types to take
 * from `folder`, walks each with its extension filter and builds every key.
 * @throws ConfigError for an unknown type, a folder that does not exist, or when nothing matches
 * (a usage error: exit code 2, since no file failed).
 */
export async function planUpload(request: PlanRequest): Promise<UploadPlan> {
  await assertFolder(request.folder);
  const roots = await resolveTypeRoots(request);
  const groups = new Map<string, UploadTask[]>();
  const problems: WalkProblem[] = [];
  const keysSeen = new Map<string, string>();
  for (const [folderType, root] of roots) {
    const tasks = await collectUploadTasks(root, folderType, request, problems);
    const unique = tasks.filter((task) => claimKey(task, keysSeen, problems));
    if (unique.length > 0) groups.set(folderType, unique);
  }
  if (groups.size === 0 && problems.length === 0) {
    const types = [...roots.keys()].join(', ');
    throw new ConfigError(
      `plan ${request.folder}: no files to upload in ${types || 'any folder type'}; check --folder and the extensions of each type`,
    );
  }
  return { groups, problems };
}

async function assertFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ConfigError(`--folder ${folder}: no such folder; pass the project folder (or a reels folder)`);
  }
}

/** Keys built from NFC and NFD spellings of one name collide; the second file is reported, not overwritten. */
function claimKey(task: UploadTask, keysSeen: Map<string, string>, problems: WalkProblem[]): boolean {
  const owner = keysSeen.get(task.key);
  if (owner === undefined) {
    keysSeen.set(task.key, task.path);
    return true;
  }
  problems.push({
    path: task.path,
    error: `maps to the same key as ${owner} (${task.key}); rename one of them`,
  });
  return false;
}

/**
 * Collects the files of one folder type (the seed's `collect_upload_tasks`): extension filter,
 * then `{prefix/}{project_key}/{folder_type}/[{timestamp}/]{rel_path}` keys.
 */
export async function collectUploadTasks(
  root: string,
  folderType: string,
  request: PlanRequest,
  problems: WalkProblem[] = [],
): Promise<UploadTask[]> {
  const extensions = request.folderTypes.get(folderType) ?? new Set<string>();
  const walked = await walkFiles(root, (name) => hasAllowedExtension(name, extensions));
  problems.push(...walked.problems);
  const tasks: UploadTask[] = [];
  for (const file of walked.files) {
    try {
      const key = buildObjectKey({ ...request, folderType, relPath: file.relPath });
      tasks.push({ group: folderType, key, ...file });
    } catch (error) {
      if (!(error instanceof UploadError)) throw error;
      problems.push({ path: file.path, error: error.message });
    }
  }
  return tasks;
}

/**
 * Auto-detects the folder types present in a project folder (the seed's `detect_folder_types`),
 * matching sub-folder names case-insensitively.
 */
export async function detectFolderTypes(
  base: string,
  folderTypes: FolderTypeMap,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const folderType of listFolderTypes(folderTypes)) {
    const folder = await findChildFolder(base, folderType);
    if (folder) found.set(folderType, folder);
  }
  return found;
}

async function findChildFolder(base: string, name: string): Promise<string | undefined> {
  const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
  const match = entries.find(
    (entry) => entry.isDirectory() && entry.name.toLowerCase() === name.toLowerCase(),
  );
  return match ? path.join(base, match.name) : undefined;
}

async function resolveTypeRoots(request: PlanRequest): Promise<Map<string, string>> {
  assertKnownTypes(request);
  const bareType = request.folderType ?? bareFolderType(request);
  if (bareType !== undefined && (await detectFolderTypes(request.folder, request.folderTypes)).size === 0) {
    return selectTypes(new Map([[bareType, request.folder]]), request);
  }
  return selectTypes(await detectFolderTypes(request.folder, request.folderTypes), request);
}

/** A folder named like a type (`D:\reels`) is that type's root, as in the seed's first usage example. */
function bareFolderType(request: PlanRequest): string | undefined {
  const name = path.basename(path.resolve(request.folder)).toLowerCase();
  return listFolderTypes(request.folderTypes).find((folderType) => folderType.toLowerCase() === name);
}

function selectTypes(available: Map<string, string>, request: PlanRequest): Map<string, string> {
  const wanted = request.include && request.include.length > 0 ? request.include : [...available.keys()];
  const missing = wanted.filter((folderType) => !available.has(folderType));
  if (request.include && missing.length > 0) {
    const present = [...available.keys()].join(', ') || 'none';
    throw new ConfigError(
      `--include ${missing.join(' ')}: no such folder in ${request.folder} (found: ${present}); check --folder or --include`,
    );
  }
  const excluded = new Set(request.exclude ?? []);
  const selected = new Map(
    [...available].filter(([folderType]) => wanted.includes(folderType) && !excluded.has(folderType)),
  );
  if (selected.size === 0) {
    throw new ConfigError(
      `plan ${request.folder}: no folder type left to upload (found: ${[...available.keys()].join(', ') || 'none'}); ` +
        `point --folder at a project with reels, config, gis_data, logs or report folders`,
    );
  }
  return selected;
}

function assertKnownTypes(request: PlanRequest): void {
  const known = listFolderTypes(request.folderTypes);
  const named = [
    ...(request.include ?? []).map((t) => ['--include', t] as const),
    ...(request.exclude ?? []).map((t) => ['--exclude', t] as const),
    ...(request.folderType ? [['--folder-type', request.folderType] as const] : []),
  ];
  for (const [flag, folderType] of named) {
    if (!known.includes(folderType)) {
      throw new ConfigError(
        `${flag} ${folderType}: unknown folder type; use one of ${known.join(', ')} (or add it under folder_types in the config)`,
      );
    }
  }
}
