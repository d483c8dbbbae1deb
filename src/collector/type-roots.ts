import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, describeFsError, SourceError } from '../errors.js';
import { listFolderTypes, type FolderTypeMap } from './folder-types.js';
import type { LeftOutFile } from './left-out.js';
import { BROKEN_LINK_ERROR, type WalkProblem } from './walk-files.js';

/** What decides the type roots: the folder, the type table and the type flags. */
export interface TypeRootsRequest {
  folder: string;
  folderTypes: FolderTypeMap;
  folderType?: string | undefined;
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
  /** Receives the lines --debug shows. */
  onDebug?: ((message: string) => void) | undefined;
}

/**
 * The folder each selected type is taken from, in canonical order, plus the entries of a project
 * folder that are no type folder (left out) and those that cannot be read (problems).
 */
export interface TypeRoots {
  roots: Map<string, string>;
  leftOut: LeftOutFile[];
  problems: WalkProblem[];
}

/**
 * Resolves which folder is which type's root. `--folder-type` makes `folder` itself that type's
 * root, whatever its sub-folders are called; so does a folder named like a type (`D:\reels`).
 * Otherwise `folder` is a project whose sub-folders named like types (links to folders included)
 * are the roots, and its other entries are left out as `not a folder type`.
 * @throws ConfigError for an unknown type, an --include the project lacks, or no type left.
 * @throws SourceError when the project folder cannot be listed.
 */
export async function resolveTypeRoots(request: TypeRootsRequest): Promise<TypeRoots> {
  assertKnownTypes(request);
  if (request.folderType) {
    request.onDebug?.(`plan: --folder-type ${request.folderType}: ${request.folder} is its root`);
    return wholeFolderAs(request.folderType, request);
  }
  const bareType = bareFolderType(request);
  if (bareType !== undefined) {
    await explainBareFolder(bareType, request);
    return wholeFolderAs(bareType, request);
  }
  const { twins, ...project } = await readProjectFolder(request.folder, request.folderTypes);
  const roots = selectTypes(project.roots, request);
  for (const twin of twins) {
    // files a run would leave behind while saying every planned file is in the bucket: they fail the run instead
    if (roots.has(twin.folderType)) project.problems.push(describeTwin(twin));
    else project.leftOut.push(notAType(twin.path, `${twin.folderType} is ${twin.root}`));
  }
  return { ...project, roots };
}

/** A second folder of the project named like a type already found, in another case (`LOGS` beside `logs`). */
interface TwinFolder {
  path: string;
  folderType: string;
  root: string;
}

/** A project folder's entries sorted, with the folders that name an already found type apart. */
type ProjectEntries = TypeRoots & { twins: TwinFolder[] };

function describeTwin({ path: twin, folderType, root }: TwinFolder): WalkProblem {
  return {
    path: twin,
    error: `a second ${folderType} folder beside ${root}, their names differing only in case: its files are not uploaded; move them into ${root}`,
    cause: 'key',
  };
}

function wholeFolderAs(folderType: string, request: TypeRootsRequest): TypeRoots {
  return { roots: selectTypes(new Map([[folderType, request.folder]]), request), leftOut: [], problems: [] };
}

/** A folder named like a type (`D:\reels`) is that type's root. */
function bareFolderType(request: TypeRootsRequest): string | undefined {
  const name = path.basename(path.resolve(request.folder)).toLowerCase();
  return listFolderTypes(request.folderTypes).find((folderType) => folderType.toLowerCase() === name);
}

async function explainBareFolder(bareType: string, request: TypeRootsRequest): Promise<void> {
  if (!request.onDebug) return;
  const inside = await detectFolderTypes(request.folder, request.folderTypes).then(
    (found) => [...found.keys()],
    () => [],
  );
  if (inside.length === 0) return;
  request.onDebug(
    `plan: ${request.folder} is named like the ${bareType} type, so it is the ${bareType} root; ` +
      `its sub-folders named like types (${inside.join(', ')}) are walked as ${bareType} folders`,
  );
}

/**
 * Auto-detects the folder types present in a project folder,
 * matching sub-folder names case-insensitively and following links to folders.
 */
export async function detectFolderTypes(
  base: string,
  folderTypes: FolderTypeMap,
): Promise<Map<string, string>> {
  return (await readProjectFolder(base, folderTypes)).roots;
}

type EntryKind = 'folder' | 'other' | { error: string };

/** Sorts each entry of a project folder into a type root, a left-out entry or a problem. */
async function readProjectFolder(base: string, folderTypes: FolderTypeMap): Promise<ProjectEntries> {
  const typeByName = new Map(listFolderTypes(folderTypes).map((t) => [t.toLowerCase(), t]));
  const found = new Map<string, string>();
  const result: ProjectEntries = {
    roots: new Map(),
    leftOut: [],
    problems: [],
    twins: [],
  };
  for (const entry of await listProjectFolder(base)) {
    const full = path.join(base, entry.name);
    const kind = await kindOf(entry, full);
    const folderType = typeByName.get(entry.name.toLowerCase());
    if (typeof kind === 'object') result.problems.push({ path: full, error: kind.error, cause: 'read' });
    else if (kind !== 'folder' || folderType === undefined) result.leftOut.push(notAType(full));
    else if (found.has(folderType))
      result.twins.push({ path: full, folderType, root: found.get(folderType)! });
    else found.set(folderType, full);
  }
  for (const folderType of typeByName.values()) {
    const root = found.get(folderType);
    if (root !== undefined) result.roots.set(folderType, root);
  }
  return result;
}

function notAType(full: string, detail?: string): LeftOutFile {
  return detail === undefined
    ? { path: full, reason: 'not a folder type' }
    : { path: full, reason: 'not a folder type', detail };
}

async function listProjectFolder(base: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(base, { withFileTypes: true });
    // listing order differs between file systems; a name-sorted one makes `Reels` vs `reels` deterministic
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new SourceError(
      `plan ${base}: cannot list the folder, ${describeFsError(error)}; check that it is readable`,
      { cause: error },
    );
  }
}

/** A link counts as what it points to; one that cannot be followed is unreadable. */
async function kindOf(entry: Dirent, full: string): Promise<EntryKind> {
  if (entry.isDirectory()) return 'folder';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    return (await stat(full)).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? BROKEN_LINK_ERROR : describeFsError(error) };
  }
}

function selectTypes(available: Map<string, string>, request: TypeRootsRequest): Map<string, string> {
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
  if (selected.size === 0) throw nothingSelected(request, [...available.keys()]);
  return selected;
}

function nothingSelected(request: TypeRootsRequest, found: string[]): ConfigError {
  const fix =
    found.length > 0
      ? 'check --include and --exclude'
      : `point --folder at a project with ${listFolderTypes(request.folderTypes).join(', ')} folders, or name this ` +
        "folder's type with --folder-type (e.g. --folder-type reels)";
  return new ConfigError(
    `plan ${request.folder}: no folder type left to upload (found: ${found.join(', ') || 'none'}); ${fix}`,
  );
}

function assertKnownTypes(request: TypeRootsRequest): void {
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
