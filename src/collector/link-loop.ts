import path from 'node:path';

/**
 * The folders a walk has entered, by real path (links resolved), each with the path it was walked
 * as. Real paths rather than `dev`+`ino`, because Windows reports no usable inode for a junction's
 * target on every file system, while `realpath` resolves junctions and symbolic links alike.
 */
export type WalkedFolders = Map<string, string>;

/**
 * Records that the folder at `realPath` was walked as `walkedAs`. Windows compares names without case, and
 * `realpath` keeps the case it was given (`--folder d:\survey` against a junction to `D:\Survey\...`), so
 * there the key is folded to one case.
 */
export function markWalked(
  walked: WalkedFolders,
  realPath: string,
  walkedAs: string,
  pathApi: path.PlatformPath = path,
): void {
  walked.set(folderKey(realPath, pathApi), walkedAs);
}

function folderKey(realPath: string, pathApi: path.PlatformPath): string {
  return pathApi === path.win32 ? realPath.toLowerCase() : realPath;
}

/**
 * Says why the folder at `realPath` must not be walked: it was walked already, or it holds the
 * walk's root (walking it would walk the root again). Undefined when it may be walked. The
 * answer is the `detail` of a `link loop` entry.
 */
export function findLinkLoop(
  realPath: string,
  walked: ReadonlyMap<string, string>,
  rootRealPath: string,
  pathApi: path.PlatformPath = path,
): string | undefined {
  const walkedAs = walked.get(folderKey(realPath, pathApi));
  if (walkedAs !== undefined) return `leads back to ${walkedAs}`;
  if (isStrictAncestor(realPath, rootRealPath, pathApi))
    return `leads back to ${realPath}, which holds ${rootRealPath}`;
  return undefined;
}

function isStrictAncestor(folder: string, inner: string, pathApi: path.PlatformPath): boolean {
  const relative = pathApi.relative(folder, inner);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${pathApi.sep}`) &&
    !pathApi.isAbsolute(relative)
  );
}
