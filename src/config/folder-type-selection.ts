import { listFolderTypes, type FolderTypeMap } from '../collector/folder-types.js';
import { ConfigError } from '../errors.js';

/** The folder-type flags of an upload, as given. */
export interface FolderTypeFlags {
  folderType?: string | undefined;
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

/** The same flags with every name mapped to its canonical folder type. */
export interface FolderTypeSelection {
  folderType?: string | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
}

/**
 * Splits one argument into folder type names at commas and blanks: PowerShell hands `--include a,b` to
 * npm's shim, which passes it on as the single argument `a b`.
 */
export function splitFolderTypeList(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/**
 * Maps --folder-type, --include and --exclude to canonical folder type names: lists split at commas and
 * blanks, names matched case-insensitively against the known types (built-in and from the config), each
 * named once. Refuses combinations that contradict each other: a type both included and excluded;
 * --folder-type T with --include naming another type (the folder is one T folder); --folder-type T with
 * --exclude T (nothing left). Excluding other types with --folder-type changes nothing and is allowed.
 * @throws ConfigError naming the flag and the fix, for an unknown type, an empty list or a contradiction.
 */
export function selectFolderTypes(flags: FolderTypeFlags, folderTypes: FolderTypeMap): FolderTypeSelection {
  const known = listFolderTypes(folderTypes);
  const folderType = flags.folderType === undefined ? undefined : canonicalType(flags.folderType, known);
  const include = flags.include && canonicalList('--include', flags.include, known);
  const exclude = flags.exclude && canonicalList('--exclude', flags.exclude, known);
  assertConsistent(folderType, include ?? [], exclude ?? []);
  return { folderType, include, exclude };
}

function canonicalType(value: string, known: readonly string[]): string {
  const names = canonicalList('--folder-type', [value], known);
  if (names.length > 1) {
    throw new ConfigError(
      `--folder-type ${names.join(' ')}: one folder type only; use --include for several types in a project folder`,
    );
  }
  return names[0] ?? '';
}

function canonicalList(flag: string, values: readonly string[], known: readonly string[]): string[] {
  const names = values.flatMap(splitFolderTypeList);
  if (names.length === 0) {
    throw new ConfigError(`${flag}: no folder type given; name one or more of ${known.join(', ')}`);
  }
  const unknown = names.filter((name) => findType(name, known) === undefined);
  if (unknown.length > 0) {
    const what = unknown.length === 1 ? 'unknown folder type' : 'unknown folder types';
    throw new ConfigError(
      `${flag} ${unknown.join(' ')}: ${what}; use one of ${known.join(', ')} (or add it under folder_types in the config)`,
    );
  }
  return [...new Set(names.map((name) => findType(name, known) ?? name))];
}

function findType(name: string, known: readonly string[]): string | undefined {
  return known.find((type) => type.toLowerCase() === name.toLowerCase());
}

function assertConsistent(folderType: string | undefined, include: string[], exclude: string[]): void {
  const both = include.filter((name) => exclude.includes(name));
  if (both.length > 0) {
    throw new ConfigError(
      `--include and --exclude both name ${both.join(' ')}; name each folder type in one of them only`,
    );
  }
  if (folderType === undefined) return;
  const others = include.filter((name) => name !== folderType);
  if (others.length > 0) {
    throw new ConfigError(
      `--folder-type ${folderType} with --include ${others.join(' ')}: --folder-type makes the folder one ${folderType} folder, which holds no other type; drop --folder-type, or --include`,
    );
  }
  if (exclude.includes(folderType)) {
    throw new ConfigError(
      `--folder-type ${folderType} with --exclude ${folderType}: nothing would be left to upload; drop one of them`,
    );
  }
}
