import { describe, expect, it } from 'vitest';
import { buildFolderTypes } from '../../../src/collector/folder-types.js';
import {
  selectFolderTypes,
  splitFolderTypeList,
  type FolderTypeFlags,
} from '../../../src/config/folder-type-selection.js';
import { ConfigError } from '../../../src/errors.js';

const BUILT_IN = buildFolderTypes();
const WITH_LIDAR = buildFolderTypes({ LiDAR: ['.las'] });
const KNOWN = 'reels, config, gis_data, logs, report';

function selectionError(flags: FolderTypeFlags, types = BUILT_IN): string {
  try {
    selectFolderTypes(flags, types);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(flags)} to be refused`);
}

describe('splitFolderTypeList', () => {
  it.each([
    ['config,logs', ['config', 'logs']],
    ['config logs', ['config', 'logs']],
    ['config, logs', ['config', 'logs']],
    [' config ,, logs\t', ['config', 'logs']],
    ['reels', ['reels']],
    [',', []],
  ])('splits %j into %j', (value, expected) => {
    expect(splitFolderTypeList(value)).toEqual(expected);
  });
});

describe('selectFolderTypes', () => {
  it('accepts what PowerShell passes through npm\'s shim: one argument "config logs"', () => {
    expect(selectFolderTypes({ include: ['config logs'] }, BUILT_IN).include).toEqual(['config', 'logs']);
  });

  it('accepts commas within arguments and several arguments', () => {
    expect(selectFolderTypes({ include: ['reels,config', 'logs'] }, BUILT_IN).include).toEqual([
      'reels',
      'config',
      'logs',
    ]);
  });

  it('maps any case to the canonical name, built-in or from the config', () => {
    expect(selectFolderTypes({ include: ['Reels', 'GIS_DATA'] }, BUILT_IN).include).toEqual([
      'reels',
      'gis_data',
    ]);
    expect(selectFolderTypes({ exclude: ['lidar'] }, WITH_LIDAR).exclude).toEqual(['LiDAR']);
    expect(selectFolderTypes({ folderType: 'REELS' }, BUILT_IN).folderType).toBe('reels');
  });

  it('names each type once', () => {
    expect(selectFolderTypes({ include: ['reels', 'Reels,REELS'] }, BUILT_IN).include).toEqual(['reels']);
  });

  it('leaves flags that were not given unset', () => {
    expect(selectFolderTypes({}, BUILT_IN)).toEqual({
      folderType: undefined,
      include: undefined,
      exclude: undefined,
    });
  });

  it('refuses an unknown type in one line naming it and listing the known ones', () => {
    expect(selectionError({ include: ['config', 'videos'] })).toBe(
      `--include videos: unknown folder type; use one of ${KNOWN} (or add it under folder_types in the config)`,
    );
    expect(selectionError({ exclude: ['gis', 'Reel'] })).toBe(
      `--exclude gis Reel: unknown folder types; use one of ${KNOWN} (or add it under folder_types in the config)`,
    );
    expect(selectionError({ folderType: 'video' })).toMatch(/^--folder-type video: unknown folder type; /);
  });

  it('lists the types a config adds among the known ones', () => {
    expect(selectionError({ include: ['radar'] }, WITH_LIDAR)).toContain(`use one of ${KNOWN}, LiDAR`);
  });

  it('refuses an empty list', () => {
    expect(selectionError({ include: [','] })).toBe(
      `--include: no folder type given; name one or more of ${KNOWN}`,
    );
  });

  it('refuses several types for --folder-type', () => {
    expect(selectionError({ folderType: 'reels,logs' })).toMatch(
      /^--folder-type reels logs: one folder type only; /,
    );
  });

  it('refuses a type both included and excluded, whatever the case', () => {
    expect(selectionError({ include: ['reels', 'logs'], exclude: ['Logs'] })).toBe(
      '--include and --exclude both name logs; name each folder type in one of them only',
    );
  });

  it('refuses --folder-type with --include naming another type, and --exclude of the type itself', () => {
    expect(selectionError({ folderType: 'reels', include: ['reels', 'config'] })).toMatch(
      /^--folder-type reels with --include config: --folder-type makes the folder one reels folder/,
    );
    expect(selectionError({ folderType: 'reels', exclude: ['REELS'] })).toBe(
      '--folder-type reels with --exclude reels: nothing would be left to upload; drop one of them',
    );
  });

  it('allows --folder-type with --include of the same type or --exclude of another', () => {
    expect(
      selectFolderTypes({ folderType: 'reels', include: ['Reels'], exclude: ['logs'] }, BUILT_IN),
    ).toEqual({
      folderType: 'reels',
      include: ['reels'],
      exclude: ['logs'],
    });
  });
});
