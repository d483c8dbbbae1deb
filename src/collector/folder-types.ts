/**
 * Folder types and the file extensions each one uploads.
 * Extensions are lower-case with a leading dot and matched case-insensitively.
 */
export type FolderTypeMap = ReadonlyMap<string, ReadonlySet<string>>;

export const DEFAULT_FOLDER_TYPES: Readonly<Record<string, readonly string[]>> = {
  reels: ['.mp4', '.json', '.csv', '.gpx'],
  config: ['.yaml', '.yml', '.json', '.txt'],
  gis_data: [
    // shapefile parts: a layer is only usable with all of them
    '.shp',
    '.shx',
    '.dbf',
    '.prj',
    '.cpg',
    '.sbn',
    '.sbx',
    '.qix',
    '.qmd',
    '.gpkg',
    '.geojson',
    '.json',
    '.kml',
    '.kmz',
    '.gml',
    '.gpx',
    '.csv',
    '.tif',
    '.tiff',
    '.tfw',
    '.ovr',
    '.aux.xml',
    '.las',
    '.laz',
    '.dwg',
    '.dxf',
    '.qgz',
    '.qgs',
  ],
  logs: ['.log', '.txt', '.csv', '.json', '.jsonl', '.out', '.err'],
  report: [
    '.pdf',
    '.docx',
    '.doc',
    '.xlsx',
    '.xls',
    '.pptx',
    '.csv',
    '.txt',
    '.md',
    '.html',
    '.htm',
    '.png',
    '.jpg',
    '.jpeg',
    '.svg',
    '.zip',
  ],
};

/** The folder types in their canonical order: the five built-in ones, then added ones by name. */
export function listFolderTypes(types: FolderTypeMap): string[] {
  const builtIn = Object.keys(DEFAULT_FOLDER_TYPES);
  const added = [...types.keys()].filter((name) => !builtIn.includes(name)).sort();
  return [...builtIn.filter((name) => types.has(name)), ...added];
}

/**
 * Builds the folder-type table from the defaults and a config's `folder_types`, whose entries
 * replace a default type's extensions or add a new type.
 */
export function buildFolderTypes(overrides: Readonly<Record<string, readonly string[]>> = {}): FolderTypeMap {
  const merged = { ...DEFAULT_FOLDER_TYPES, ...overrides };
  return new Map(
    Object.entries(merged).map(([name, extensions]) => [name, new Set(extensions.map(normalizeExtension))]),
  );
}

function normalizeExtension(extension: string): string {
  const lower = extension.trim().toLowerCase();
  return lower.startsWith('.') ? lower : `.${lower}`;
}

/** True when `fileName` ends with one of `extensions` (case-insensitive, multi-dot extensions included). */
export function hasAllowedExtension(fileName: string, extensions: ReadonlySet<string>): boolean {
  const lower = fileName.toLowerCase();
  for (const extension of extensions)
    if (lower.endsWith(extension) && lower.length > extension.length) return true;
  return false;
}
