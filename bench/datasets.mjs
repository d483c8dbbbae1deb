/**
 * Deterministic survey-project datasets under bench/.data: the same spec always gives the same files, bytes
 * and modification times, so runs on different days and machines upload the same thing.
 *
 * A dataset is `bench/.data/<name>/<PROJECT>/{reels,config,gis_data,logs,report}/...` plus a manifest beside
 * it (`<name>.manifest.json`, outside the folder the clients upload). A dataset whose manifest matches its
 * spec and whose files are all there with the right sizes is reused as it is.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK_BYTES = 8 * MiB;
const FORMAT_VERSION = 1;
/** Every file gets this modification time, so reruns and `aws s3 sync` see the same thing every time. */
const FIXED_MTIME = new Date('2025-01-15T06:00:00Z');

/**
 * Small files spread over the folder types in rough proportion to a real survey project, each with the
 * extensions that folder type uploads (so every tool, ours included, sends every file).
 */
const SMALL_FILE_KINDS = [
  { weight: 3, dir: (i) => `reels/R${pad(1 + (i % 12), 3)}`, extensions: ['.json', '.csv', '.gpx'] },
  { weight: 1, dir: () => 'config', extensions: ['.yaml', '.txt'] },
  {
    weight: 3,
    dir: (i) => `gis_data/layer_${pad(i % 40, 2)}`,
    extensions: ['.shp', '.shx', '.dbf', '.prj', '.geojson'],
  },
  { weight: 2, dir: (i) => `logs/day_${pad(1 + (i % 20), 2)}`, extensions: ['.log', '.jsonl'] },
  { weight: 1, dir: () => 'report', extensions: ['.pdf', '.png', '.csv'] },
];
const TOTAL_WEIGHT = SMALL_FILE_KINDS.reduce((sum, kind) => sum + kind.weight, 0);

/** How many files are written at once while generating: a 100,000-file set is bound by system-call latency. */
const FILES_IN_FLIGHT = 32;

/**
 * What a dataset holds: `smallFiles` files of `smallMinBytes`–`smallMaxBytes`, and one `.mp4` reel per
 * entry of `reelBytes`. With `logFolders`, the small files are `.log` files spread evenly over that many
 * `logs/day_NNN` folders (the shape of a planning-at-scale set) instead of over every folder type.
 */
export function datasetSpec(
  name,
  { smallFiles = 0, reelBytes = [], smallMinBytes = 4 * KiB, smallMaxBytes = 64 * KiB, logFolders },
) {
  return {
    name,
    project: `${name.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}001`,
    smallFiles,
    reelBytes,
    smallMinBytes,
    smallMaxBytes,
    ...(logFolders ? { logFolders } : {}),
  };
}

/** The files of a spec, as `{ relPath, sizeBytes, seed }`, in a fixed order. */
export function listSpecFiles(spec) {
  const random = mulberry32(hashSeed(spec.name));
  const files = spec.reelBytes.map((sizeBytes, i) => {
    const reel = `R${pad(i + 1, 3)}`;
    return { relPath: `reels/${reel}/${reel}_${spec.name}.mp4`, sizeBytes, seed: `${spec.name}/reel/${i}` };
  });
  for (let i = 0; i < spec.smallFiles; i += 1) {
    const [dir, extension] = spec.logFolders ? logFolderPlace(spec, i) : surveyPlace(random, i);
    const span = spec.smallMaxBytes - spec.smallMinBytes;
    const sizeBytes = spec.smallMinBytes + Math.floor(random() * (span + 1));
    files.push({
      relPath: `${dir}/f${pad(i, 5)}${extension}`,
      sizeBytes,
      seed: `${spec.name}/small/${i}`,
    });
  }
  return files;
}

function surveyPlace(random, i) {
  const kind = pickKind(random());
  return [kind.dir(i), kind.extensions[Math.floor(random() * kind.extensions.length)]];
}

function logFolderPlace(spec, i) {
  return [`logs/day_${pad(i % spec.logFolders, 3)}`, '.log'];
}

/**
 * Makes sure the dataset of `spec` exists under `dataDir`; returns `{ name, root, project, files, bytes,
 * reelPaths, reelBytes }` where `root` is the project folder the clients upload.
 */
export async function ensureDataset(dataDir, spec, log = () => {}) {
  const files = listSpecFiles(spec);
  const base = path.join(dataDir, spec.name);
  const root = path.join(base, spec.project);
  const manifestPath = path.join(dataDir, `${spec.name}.manifest.json`);
  const manifest = { version: FORMAT_VERSION, spec, files: files.length, bytes: sumBytes(files) };
  if (!(await isIntact(manifestPath, manifest, root, files))) {
    log(`generating dataset ${spec.name}: ${files.length} files, ${formatMiB(manifest.bytes)}`);
    await rm(base, { recursive: true, force: true });
    await writeFiles(root, files);
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const reelPaths = files.filter((f) => f.relPath.endsWith('.mp4')).map((f) => path.join(root, f.relPath));
  return {
    name: spec.name,
    root,
    project: spec.project,
    files: files.length,
    bytes: manifest.bytes,
    reelPaths,
    reelBytes: spec.reelBytes,
  };
}

async function isIntact(manifestPath, expected, root, files) {
  const found = await readFile(manifestPath, 'utf8').catch(() => '');
  if (found !== `${JSON.stringify(expected, null, 2)}\n`) return false;
  const onDisk = await walkSizes(root).catch(() => undefined);
  return (
    onDisk !== undefined &&
    onDisk.size === files.length &&
    files.every((f) => onDisk.get(f.relPath) === f.sizeBytes)
  );
}

async function walkSizes(root, rel = '', sizes = new Map()) {
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walkSizes(root, child, sizes);
    else sizes.set(child, (await stat(path.join(root, child))).size);
  }
  return sizes;
}

async function writeFiles(root, files) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++)
      await writeFileFromSeed(path.join(root, files[i].relPath), files[i].sizeBytes, files[i].seed);
  };
  await Promise.all(Array.from({ length: FILES_IN_FLIGHT }, worker));
}

/** Writes `sizeBytes` of incompressible bytes (an AES-128-CTR keystream keyed by `seed`), then the fixed mtime. */
async function writeFileFromSeed(filePath, sizeBytes, seed) {
  await mkdir(path.dirname(filePath), { recursive: true });
  const key = createHash('sha256').update(String(seed)).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, sizeBytes));
  const handle = await open(filePath, 'w');
  try {
    for (let written = 0; written < sizeBytes; written += zeros.length) {
      const length = Math.min(zeros.length, sizeBytes - written);
      await handle.write(cipher.update(zeros.subarray(0, length)));
    }
  } finally {
    await handle.close();
  }
  await utimes(filePath, FIXED_MTIME, FIXED_MTIME);
}

function pickKind(draw) {
  let left = draw * TOTAL_WEIGHT;
  for (const kind of SMALL_FILE_KINDS) {
    left -= kind.weight;
    if (left < 0) return kind;
  }
  return SMALL_FILE_KINDS[SMALL_FILE_KINDS.length - 1];
}

function sumBytes(files) {
  return files.reduce((sum, f) => sum + f.sizeBytes, 0);
}

function hashSeed(text) {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** mulberry32: a tiny PRNG whose sequence depends only on the seed. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pad(n, width) {
  return String(n).padStart(width, '0');
}

function formatMiB(bytes) {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
