import { describe, expect, it } from 'vitest';
import {
  buildFolderTypes,
  DEFAULT_FOLDER_TYPES,
  hasAllowedExtension,
  listFolderTypes,
} from '../../../src/collector/folder-types.js';

describe('the default folder types', () => {
  it("are the seed's five, in its order", () => {
    expect(listFolderTypes(buildFolderTypes())).toEqual(['reels', 'config', 'gis_data', 'logs', 'report']);
  });

  it.each([
    ['reels', ['.mp4', '.json', '.csv', '.gpx']],
    ['config', ['.yaml', '.yml', '.json', '.txt']],
  ])("give %s the seed's extensions", (type, extensions) => {
    expect([...(buildFolderTypes().get(type) ?? [])]).toEqual(extensions);
  });

  it('include every shapefile part in gis_data', () => {
    const gis = buildFolderTypes().get('gis_data') ?? new Set();

    for (const extension of ['.shp', '.shx', '.dbf', '.prj', '.cpg']) expect(gis.has(extension)).toBe(true);
  });

  it('are all lower case with a leading dot', () => {
    for (const extensions of Object.values(DEFAULT_FOLDER_TYPES)) {
      for (const extension of extensions) expect(extension).toMatch(/^\.[a-z0-9.]+$/);
    }
  });
});

describe('hasAllowedExtension', () => {
  const reels = buildFolderTypes().get('reels') ?? new Set<string>();
  const gis = buildFolderTypes().get('gis_data') ?? new Set<string>();

  it.each(['R001.mp4', 'R001.MP4', 'R001.Mp4', 'track.GPX', 'a.b.json'])('accepts %s for reels', (name) => {
    expect(hasAllowedExtension(name, reels)).toBe(true);
  });

  it.each(['R001.mp4.tmp', 'R001.tmp', 'R001.mov', 'mp4', '.mp4', 'R001mp4', 'R001.mp4 '])(
    'refuses %j for reels',
    (name) => {
      expect(hasAllowedExtension(name, reels)).toBe(false);
    },
  );

  it('matches multi-dot extensions such as .aux.xml', () => {
    expect(hasAllowedExtension('ortho.tif.AUX.XML', gis)).toBe(true);
    expect(hasAllowedExtension('notes.xml', gis)).toBe(false);
  });
});

describe('buildFolderTypes with a config', () => {
  it("replaces a default type's extensions, normalising case and the dot", () => {
    const types = buildFolderTypes({ reels: ['MOV', '.MP4', ' .Braw '] });

    expect(types.get('reels')).toEqual(new Set(['.mov', '.mp4', '.braw']));
    expect(hasAllowedExtension('clip.json', types.get('reels') ?? new Set())).toBe(false);
    expect(hasAllowedExtension('clip.MOV', types.get('reels') ?? new Set())).toBe(true);
  });

  it('keeps the other defaults when one type is replaced', () => {
    const types = buildFolderTypes({ reels: ['.mov'] });

    expect(types.get('config')).toEqual(new Set(DEFAULT_FOLDER_TYPES.config));
  });

  it('adds new types after the built-in ones, sorted by name', () => {
    const types = buildFolderTypes({ photos: ['.jpg'], lidar: ['.las', 'LAZ'] });

    expect(listFolderTypes(types)).toEqual([
      'reels',
      'config',
      'gis_data',
      'logs',
      'report',
      'lidar',
      'photos',
    ]);
    expect(types.get('lidar')).toEqual(new Set(['.las', '.laz']));
  });
});
