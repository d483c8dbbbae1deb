import path from 'node:path';

/**
 * A folder named like a survey project's key (`RMI25320`: letters, then digits). Other names (`D:\Surveys`,
 * `reels`, `2025-01 backup`) say nothing of which project a folder holds.
 */
const PROJECT_KEY_NAME = /^[A-Za-z]{2,}\d{3,}$/;

/**
 * The name of the project whose folder `folder` is (or holds, for a single folder-type folder such as
 * `D:\RMI25320\reels`), when it is another project than `projectKey`; undefined when the names say nothing or
 * agree. A `--project-key` mistyped in a scheduled task or a CI variable would otherwise send a whole project under
 * the wrong prefix without a word.
 */
export function otherProjectOfFolder(folder: string, projectKey: string): string | undefined {
  const names = [path.basename(folder), path.basename(path.dirname(folder))];
  const wanted = projectKey.toLowerCase();
  if (names.some((name) => name.toLowerCase() === wanted)) return undefined;
  return names.find((name) => PROJECT_KEY_NAME.test(name));
}

/** The warning for a run whose folder is another project's, or undefined (see {@link otherProjectOfFolder}). */
export function describeOtherProjectFolder(folder: string, projectKey: string): string | undefined {
  const other = otherProjectOfFolder(folder, projectKey);
  if (other === undefined) return undefined;
  return (
    `--folder ${folder} is project ${other}'s by its name, but --project-key is ${projectKey}: its files go ` +
    `under ${projectKey}/; check the key (or rename the folder, if ${projectKey} is right)`
  );
}
