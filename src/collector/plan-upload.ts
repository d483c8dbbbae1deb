import type { ChangeStamp } from '../content/file-identity.js';
import { stat } from 'node:fs/promises';
import { ConfigError, UploadError } from '../errors.js';
import { hasAllowedExtension, type FolderTypeMap } from './folder-types.js';
import type { LeftOutFile } from './left-out.js';
import { summarizeLeftOut } from './left-out-summary.js';
import { joinObjectKey, objectKeyHead } from './object-key.js';
import { PlannedFile, type TypeRoot } from './planned-file.js';
import { resolveTypeRoots } from './type-roots.js';
import { walkFiles, type WalkProblem } from './walk-files.js';

/** One file to upload and the key it goes to. `group` is its folder type. */
export interface UploadTask extends Partial<ChangeStamp> {
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
  /** Receives the lines --debug shows (why a folder is taken as a given type). */
  onDebug?: ((message: string) => void) | undefined;
}

/**
 * The planned upload: tasks by folder type in canonical order, files that could not be read
 * (failures of the run), and files left out on purpose, each with its reason.
 */
export interface UploadPlan {
  groups: Map<string, UploadTask[]>;
  problems: WalkProblem[];
  leftOut: LeftOutFile[];
}

/**
 * Plans the upload: resolves which folder types to take
 * from `folder`, walks each with its extension filter and builds every key.
 * @throws ConfigError for an unknown type, a folder that does not exist, or when nothing matches
 * (a usage error: exit code 2, since no file failed).
 * @throws SourceError when the project folder cannot be listed.
 */
export async function planUpload(request: PlanRequest): Promise<UploadPlan> {
  await assertFolder(request.folder);
  const { roots, leftOut, problems } = await resolveTypeRoots(request);
  const collected: CollectedType[] = [];
  for (const [folderType, root] of roots)
    collected.push(await collectUploadTasks(root, folderType, request, problems, leftOut));
  const groups = new Map<string, UploadTask[]>();
  // keys are checked for clashes only when one can clash: claiming 100,000 keys costs a map of 100,000 strings
  const keysSeen = collected.some(mayShareKey) ? new Map<string, string>() : undefined;
  for (const { folderType, tasks } of collected) {
    const unique = keysSeen ? tasks.filter((task) => claimKey(task, keysSeen, problems)) : tasks;
    if (unique.length > 0) groups.set(folderType, unique);
  }
  if (groups.size === 0 && problems.length === 0) throw nothingToUpload(request, [...roots.keys()], leftOut);
  return { groups, problems, leftOut };
}

/** The tasks of one folder type, and whether any key's relative part differs from the file's relative path. */
interface CollectedType {
  folderType: string;
  tasks: PlannedFile[];
  rewritten: boolean;
}

/**
 * Whether a key of this type may equal another planned key. Keys of one type differ when their relative paths
 * do and each key ends in its file's path unchanged; keys of two types differ in the type's segment, unless a
 * type's name holds a separator. Otherwise (NFC and NFD spellings, a backslash in a POSIX name) they may clash.
 */
function mayShareKey({ folderType, rewritten }: CollectedType): boolean {
  return rewritten || /[\\/]/.test(folderType);
}

async function assertFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (info?.isDirectory()) return;
  const problem = info ? 'a file, not a folder' : 'no such folder';
  throw new ConfigError(`--folder ${folder}: ${problem}; pass the project folder (or a reels folder)`);
}

function nothingToUpload(
  request: PlanRequest,
  types: string[],
  leftOut: readonly LeftOutFile[],
): ConfigError {
  const [counts] = summarizeLeftOut(leftOut);
  return new ConfigError(
    `plan ${request.folder}: no files to upload in ${types.join(', ') || 'any folder type'}; ` +
      `check --folder and the extensions of each type${counts ? ` (${counts})` : ''}`,
  );
}

/** Keys built from NFC and NFD spellings of one name collide; the second file is reported, not overwritten. */
function claimKey(task: UploadTask, keysSeen: Map<string, string>, problems: WalkProblem[]): boolean {
  const owner = keysSeen.get(task.key);
  if (owner === undefined) {
    keysSeen.set(task.key, task.path);
    return true;
  }
  // printed, the two paths look identical: the reason must say what differs
  const lookAlike = owner.normalize('NFC') === task.path.normalize('NFC');
  const why = lookAlike
    ? `, a name that differs from it only in how its accents are encoded (this one ${formOf(task.path)}, that one ${formOf(owner)})`
    : '';
  problems.push({
    path: task.path,
    error: `maps to the same key as ${owner} (${task.key})${why}; rename one of them`,
    cause: 'key',
    sizeBytes: task.sizeBytes,
  });
  return false;
}

/** How a name's accents are encoded: composed (NFC, as Windows and most editors write them) or decomposed (NFD). */
function formOf(name: string): string {
  return name === name.normalize('NFC') ? 'NFC' : 'NFD';
}

/**
 * Collects the files of one folder type: extension filter,
 * then `{prefix/}{project_key}/{folder_type}/[{timestamp}/]{rel_path}` keys. Appends what cannot
 * be read to `problems` and what the walk leaves out to `leftOut`.
 */
async function collectUploadTasks(
  folder: string,
  folderType: string,
  request: PlanRequest,
  problems: WalkProblem[],
  leftOut: LeftOutFile[],
): Promise<CollectedType> {
  const extensions = request.folderTypes.get(folderType) ?? new Set<string>();
  const root: TypeRoot = { group: folderType, folder, keyHead: objectKeyHead({ ...request, folderType }) };
  const walked = await walkFiles(folder, {
    accept: (name) => hasAllowedExtension(name, extensions),
    keep: (_path, relPath, info) => new PlannedFile(root, relPath, info),
    refused: { reason: 'extension', detail: folderType },
  });
  problems.push(...walked.problems);
  for (const entry of walked.leftOut) leftOut.push(entry); // push(...x) overflows the stack at ~100,000 entries
  const tasks = walked.files.filter((file) => hasKey(file, problems));
  return { folderType, tasks, rewritten: tasks.some((task) => task.isKeyRewritten) };
}

/** Builds the file's key; a path that makes no key is a problem of the run, and the file is not planned. */
function hasKey(file: PlannedFile, problems: WalkProblem[]): boolean {
  try {
    file.setKey(joinObjectKey(file.root.keyHead, file.relPath));
    return true;
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    problems.push({ path: file.path, error: error.message, cause: 'key', sizeBytes: file.sizeBytes });
    return false;
  }
}
