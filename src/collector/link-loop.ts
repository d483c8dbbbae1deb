import path from 'node:path';

/**
 * The folders a walk has entered, by real path (links resolved), each with the path it was walked
 * as. Real paths rather than `dev`+`ino`, because Windows reports no usable inode for a junction's
 * target on every file system, while `realpath` resolves junctions and symbolic links alike.
 */
export type WalkedFolders = Map<string, string>;

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
  const walkedAs = walked.get(realPath);
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
